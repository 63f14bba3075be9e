using Kith.Components.Shared;
using Kith.Core.Companies;
using Kith.Core.Customers;
using Kith.Core.CustomFields;
using Kith.Core.History;
using Kith.Core.Identity;
using Kith.Core.Listing;
using Kith.Customers;
using Kith.Infrastructure;

namespace Kith.Companies;

/// <summary>The reads the company pages make, each through the Core queries with the caller's current reach.</summary>
public sealed class CompanyPageData(CircuitCaller caller)
{
    public Task<(IReadOnlyList<CustomFieldView> Fields, IReadOnlyList<OwnerOption> Owners, CustomerPageData.Access Access)> FormDataAsync() =>
        caller.RunAsync<(IReadOnlyList<CustomFieldView>, IReadOnlyList<OwnerOption>, CustomerPageData.Access)>(async (services, scope) =>
        {
            var fields = (await services.GetRequiredService<CustomFieldDefinitions>().ListAsync(CustomFieldEntity.Company))
                .Where(f => !scope.Fields.IsHiddenCustom(CustomFieldEntity.Company, f.Key)).ToList();
            IReadOnlyList<OwnerOption> owners = [];
            if (scope.Policy.CanAssign) owners = await CustomerPageData.OwnersAsync(services.GetRequiredService<UserAccounts>(), scope);
            return (fields, owners, new CustomerPageData.Access(scope.Policy.CanEdit, scope.Policy.CanDelete, scope.Policy.CanAssign) { Fields = scope.Fields });
        });

    public Task<(CompanyDetail Detail, IReadOnlyList<HistoryEntry> History)> LoadAsync(long id) =>
        caller.RunAsync<CompanyQueries, (CompanyDetail, IReadOnlyList<HistoryEntry>)>(async (q, scope) =>
        {
            var detail = await q.GetAsync(scope, id, CancellationToken.None);
            var history = await q.HistoryAsync(scope, id, CancellationToken.None);
            return (detail, history.OrderByDescending(h => h.At).ThenByDescending(h => h.Id).ToList());
        });

    public Task<ListPage<CustomerListItem>> CustomersAsync(long id, ListRequest request) =>
        caller.RunAsync<CompanyQueries, ListPage<CustomerListItem>>((q, scope) => q.CustomersAsync(scope, id, request, CancellationToken.None));

    public static IReadOnlyDictionary<string, string> FieldLabels(IReadOnlyList<CustomFieldView> fields)
    {
        var labels = new Dictionary<string, string>
        {
            ["name"] = "Name", ["domain"] = "Domain", ["industry"] = "Industry", ["phone"] = "Phone", ["email"] = "Email",
            ["website"] = "Website", ["city"] = "City", ["address"] = "Address", ["employees"] = "Employees", ["ownerId"] = "Owner",
            ["externalId"] = "External id", ["tags"] = "Tags",
        };
        foreach (var f in fields) labels["customFields." + f.Key] = f.Label;
        return labels;
    }
}
