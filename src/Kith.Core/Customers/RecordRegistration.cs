using Kith.Core.Companies;
using Kith.Core.CustomFields;
using Kith.Core.History;
using Kith.Core.Infrastructure;
using Kith.Core.Listing;
using Kith.Core.SavedViews;
using Kith.Core.Settings;
using Kith.Core.Tags;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Kith.Core.Customers;

public static class RecordRegistration
{
    /// <summary>Customers, companies and what they share: custom fields, tags, history, saved views, settings, the list engine.</summary>
    public static IServiceCollection AddKithRecords(this IServiceCollection services)
    {
        services.AddScoped<ListEngine>();
        services.AddScoped<ChangeLog>();
        services.AddScoped<TagSet>();
        services.AddScoped<CustomFieldDefinitions>();
        services.AddScoped<WorkspaceSettings>();
        services.AddScoped<SavedViewBook>();
        services.AddScoped<ContactRules>();
        services.AddScoped<CustomerWriter>();
        services.AddScoped<CustomerQueries>();
        services.AddScoped<CreateCustomer>();
        // A new customer is checked against the erased people's fingerprints, keyed from the secret key.
        services.TryAddSingleton(sp => new SecretBox(sp.GetRequiredService<DatabaseOptions>()));
        services.TryAddSingleton<Kith.Core.Privacy.ErasedPeople>();
        services.AddScoped<UpdateCustomer>();
        Kith.Core.SensitiveFields.SensitiveFieldRegistration.AddKithSensitiveFields(services);
        services.AddScoped<DeleteCustomer>();
        services.AddScoped<RestoreCustomer>();
        services.AddScoped<CompanyWriter>();
        services.AddScoped<CompanyQueries>();
        services.AddScoped<CreateCompany>();
        services.AddScoped<UpdateCompany>();
        services.AddScoped<DeleteCompany>();
        services.AddScoped<RestoreCompany>();
        return services;
    }
}
