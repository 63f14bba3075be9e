using System.Text.Json.Serialization.Metadata;
using Kith.Core.Companies;
using Kith.Core.CustomFields;
using Kith.Core.Customers;
using Kith.Core.Identity;
using Kith.Infrastructure;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Kith.Identity;

/// <summary>
/// Leaves the caller's hidden fields out of every customer and company the API writes (detail, list, bin, the
/// answer to a create or a patch, duplicates and merges): the property is absent, not null, so a client cannot
/// even tell the field exists. The queries already blank hidden values; this removes the names.
/// </summary>
internal static class HiddenFieldsJson
{
    private static readonly Dictionary<Type, CustomFieldEntity> s_records = new()
    {
        [typeof(CustomerDetail)] = CustomFieldEntity.Customer,
        [typeof(CustomerListItem)] = CustomFieldEntity.Customer,
        [typeof(CompanyDetail)] = CustomFieldEntity.Company,
        [typeof(CompanyListItem)] = CustomFieldEntity.Company,
        [typeof(Kith.Core.Duplicates.DuplicatePerson)] = CustomFieldEntity.Customer,
    };

    public static IServiceCollection AddHiddenFieldsJson(this IServiceCollection services)
    {
        services.AddOptions<JsonOptions>().Configure<IHttpContextAccessor>((o, http) =>
        {
            var resolver = o.SerializerOptions.TypeInfoResolver ?? new DefaultJsonTypeInfoResolver();
            o.SerializerOptions.TypeInfoResolver = resolver.WithAddedModifier(info => Modify(info, http));
        });
        return services;
    }

    private static void Modify(JsonTypeInfo info, IHttpContextAccessor http)
    {
        if (!s_records.TryGetValue(info.Type, out var entity)) return;
        foreach (var property in info.Properties)
        {
            var name = property.Name;
            var shown = property.ShouldSerialize;
            property.ShouldSerialize = (record, value) =>
                !Fields(http).IsHidden(entity, name) && (shown is null || shown(record, value));
        }
    }

    private static FieldAccess Fields(IHttpContextAccessor http) =>
        http.HttpContext?.RequestServices.GetService<Caller>()?.LoadedScope?.Fields ?? FieldAccess.Open;
}
