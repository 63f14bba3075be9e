using Kith.Components.Shared;
using Kith.Core.Companies;
using Kith.Core.Customers;
using Kith.Core.CustomFields;
using Kith.Core.History;
using Kith.Core.Identity;
using Kith.Core.Listing;
using Kith.Infrastructure;

namespace Kith.Customers;

/// <summary>The reads the customer pages make, each through the Core queries with the caller's current reach.</summary>
public sealed class CustomerPageData(CircuitCaller caller)
{
    public sealed record Access(bool CanEdit, bool CanDelete, bool CanAssign)
    {
        /// <summary>The fields the caller's role hides or may only read: the page and the form leave them out or lock them.</summary>
        public FieldAccess Fields { get; init; } = FieldAccess.Open;
    }

    public Task<(IReadOnlyList<CustomFieldView> Fields, IReadOnlyList<OwnerOption> Owners, Access Access)> FormDataAsync() =>
        caller.RunAsync<(IReadOnlyList<CustomFieldView>, IReadOnlyList<OwnerOption>, Access)>(async (services, scope) =>
        {
            var fields = (await services.GetRequiredService<CustomFieldDefinitions>().ListAsync(CustomFieldEntity.Customer))
                .Where(f => !scope.Fields.IsHiddenCustom(CustomFieldEntity.Customer, f.Key)).ToList();
            IReadOnlyList<OwnerOption> owners = [];
            if (scope.Policy.CanAssign) owners = await OwnersAsync(services.GetRequiredService<UserAccounts>(), scope);
            return (fields, owners, new Access(scope.Policy.CanEdit, scope.Policy.CanDelete, scope.Policy.CanAssign) { Fields = scope.Fields });
        });

    public Task<(CustomerDetail Detail, IReadOnlyList<HistoryEntry> History)> LoadAsync(long id) =>
        caller.RunAsync<CustomerQueries, (CustomerDetail, IReadOnlyList<HistoryEntry>)>(async (q, scope) =>
        {
            var detail = await q.GetAsync(scope, id, CancellationToken.None);
            var history = await q.HistoryAsync(scope, id, CancellationToken.None);
            return (detail, history.OrderByDescending(h => h.At).ThenByDescending(h => h.Id).ToList());
        });

    public async Task<IEnumerable<CompanyOption>> SearchCompaniesAsync(string text, CancellationToken ct)
    {
        var page = await caller.RunAsync<CompanyQueries, ListPage<CompanyListItem>>((q, scope) =>
            q.ListAsync(scope, new ListRequest(string.IsNullOrWhiteSpace(text) ? null : text.Trim(), null, "name", 20), ct), ct);
        return page.Items.Select(c => new CompanyOption(c.Id, c.Name));
    }

    /// <summary>Users a record may be assigned to: the enabled users the caller reaches (everyone for All reach).</summary>
    public static async Task<IReadOnlyList<OwnerOption>> OwnersAsync(UserAccounts users, AccessScope scope) =>
        (await users.ListAsync())
        .Where(u => !u.Disabled && scope.CanReachOwner(u.Id))
        .Select(u => new OwnerOption(u.Id, u.DisplayName.Length > 0 ? u.DisplayName : u.Email))
        .ToList();

    public static IReadOnlyDictionary<string, string> FieldLabels(IReadOnlyList<CustomFieldView> fields)
    {
        var labels = new Dictionary<string, string>
        {
            ["name"] = "Name", ["email"] = "Email", ["phone"] = "Phone", ["birthDate"] = "Birth date", ["age"] = "Age",
            ["gender"] = "Gender", ["city"] = "City", ["address"] = "Address", ["companyId"] = "Company", ["ownerId"] = "Owner",
            ["stage"] = "Stage", ["source"] = "Source", ["signupDate"] = "Signup date", ["externalId"] = "External id", ["tags"] = "Tags",
            ["mergedFrom"] = "Merged from", ["mergedInto"] = "Merged into",
        };
        foreach (var f in fields) labels["customFields." + f.Key] = f.Label;
        return labels;
    }

    /// <summary>Stage and gender values are stored by their API names; show them as words.</summary>
    public static string? FormatValue(string field, string value) => field switch
    {
        "stage" when Enum.TryParse<LifecycleStage>(value, true, out var s) => CustomerTexts.Stage(s),
        "gender" when Enum.TryParse<Gender>(value, true, out var g) => CustomerTexts.Gender(g),
        _ => null,
    };
}
