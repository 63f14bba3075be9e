using Kith.Core.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Kith.Core.Privacy;

public static class PrivacyRegistration
{
    /// <summary>
    /// Export, erasure, consent and retention, and the personal-data part of every feature that exists so far. Parts run
    /// in the order registered; a feature added later registers its own part with <see cref="AddPersonalDataPart{T}"/>.
    /// </summary>
    public static IServiceCollection AddKithPrivacy(this IServiceCollection services)
    {
        services.TryAddSingleton(sp => new SecretBox(sp.GetRequiredService<DatabaseOptions>()));
        services.TryAddSingleton<ErasedPeople>();
        services.AddScoped<PrivacySettings>();
        services.AddScoped<CustomerConsents>();
        services.AddScoped<ExportPersonalData>();
        services.AddScoped<ErasePerson>();
        services.AddScoped<PurgeExpiredData>();
        services.AddScoped<ErasureQueries>();
        services.AddPersonalDataPart<Customers.CustomerPersonalData>();
        services.AddPersonalDataPart<ConsentPersonalData>();
        // Before communications: an email message's links say whose it was, and the communications take the links along.
        services.AddPersonalDataPart<Mail.MailPersonalData>();
        services.AddPersonalDataPart<Communications.CommunicationPersonalData>();
        services.AddPersonalDataPart<Tasks.TaskPersonalData>();
        services.AddPersonalDataPart<Purchases.PurchasePersonalData>();
        services.AddPersonalDataPart<Behavior.BehaviorPersonalData>();
        services.AddPersonalDataPart<Segments.SegmentPersonalData>();
        services.AddPersonalDataPart<Predictions.ScorePersonalData>();
        services.AddPersonalDataPart<Duplicates.DuplicatePersonalData>();
        services.AddPersonalDataPart<Importing.ImportPersonalData>();
        services.AddPersonalDataPart<History.HistoryPersonalData>();
        return services;
    }

    public static IServiceCollection AddPersonalDataPart<T>(this IServiceCollection services) where T : class, IPersonalDataPart =>
        services.AddScoped<IPersonalDataPart, T>();
}
