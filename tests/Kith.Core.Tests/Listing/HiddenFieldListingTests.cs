using System.Text.Json;
using Kith.Core.CustomFields;
using Kith.Core.Customers;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Core.Listing;
using Kith.Core.Tests.Customers;
using Kith.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Kith.Core.Tests.Listing;

/// <summary>
/// The list engine with fields hidden from the caller: a hidden field cannot be searched, filtered, sorted or counted
/// on, answers as a field that does not exist, and its values are blank in the items; the same requests work for a
/// caller who sees everything.
/// </summary>
public sealed class HiddenFieldListingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static AccessScope Hiding(AccessScope scope, params (string Field, FieldRestriction Restriction)[] rules) => new()
    {
        UserId = scope.UserId, Role = scope.Role, Policy = scope.Policy, OwnerIds = scope.OwnerIds,
        Fields = new FieldAccess(rules.Select(r => new FieldRule { Role = scope.Role, Entity = CustomFieldEntity.Customer, Field = r.Field, Restriction = r.Restriction })),
    };

    private static async Task<List<string>> Names(RecordKit kit, AccessScope scope, string? q, string? filter = null, string sort = "name") =>
        (await kit.RunAsync(sp => sp.GetRequiredService<CustomerQueries>().ListAsync(scope, new ListRequest(q, filter, sort, 1000), Ct)))
        .Items.Select(i => i.Name).Order(StringComparer.Ordinal).ToList();

    private static async Task<string> RefusalAsync(Func<Task> call) => (await Assert.ThrowsAsync<RuleViolation>(call)).Message;

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task HiddenFieldsCannotBeSearchedFilteredSortedOrCountedAndAnswerAsUnknownFields(DatabaseProvider provider)
    {
        await using var kit = await RecordKit.StartAsync(provider);
        var admin = await kit.ScopeAsync(await kit.UserAsync(Role.Admin, "admin"));
        await kit.RunAsync(sp => sp.GetRequiredService<CustomFieldDefinitions>().CreateAsync(
            new CustomFieldInput { Entity = CustomFieldEntity.Customer, Key = "salary", Label = "Salary", Type = CustomFieldType.Number }, admin, Ct));
        await kit.CreateAsync(admin, new CustomerInput
        {
            Name = "王小明", Phone = "13800138000", Email = "xiaoming@qq.com", BirthDate = new DateOnly(1990, 5, 1),
            CustomFields = new() { ["salary"] = JsonSerializer.SerializeToElement(9000) },
        });
        await kit.CreateAsync(admin, new CustomerInput { Name = "Anna 138", Email = "anna@gmail.com" });
        var agent = Hiding(admin, ("phone", FieldRestriction.Hidden), ("email", FieldRestriction.Hidden),
            ("birthDate", FieldRestriction.Hidden), ("cf.salary", FieldRestriction.Hidden), ("behavior", FieldRestriction.Hidden),
            ("city", FieldRestriction.ReadOnly));

        // Search: the hidden phone and email find nothing; the name still does, digits in a name too.
        Assert.Equal(["王小明"], await Names(kit, admin, "0013 8000"));
        Assert.Empty(await Names(kit, agent, "0013 8000"));
        Assert.Empty(await Names(kit, agent, "qq.com"));
        Assert.Equal(["王小明"], await Names(kit, agent, "小明"));
        Assert.Equal(["Anna 138"], await Names(kit, agent, "138"));
        Assert.Equal(["Anna 138", "王小明"], await Names(kit, admin, "138"));

        // Filters, sorts and counts: the answer of a field that does not exist.
        var queries = (Func<AccessScope, ListRequest, Task>)((scope, request) =>
            kit.RunAsync(sp => sp.GetRequiredService<CustomerQueries>().ListAsync(scope, request, Ct)));
        foreach (var (hidden, unknown) in new[]
                 {
                     ("phone startswith 138", "nosuch startswith 138"), ("age gt 30", "nosuch gt 30"), ("birthDate lt 2000-01-01", "nosuch lt 2000-01-01"),
                     ("visits gt 1", "nosuch gt 1"), ("events.purchase gt 0", "nosuch gt 0"), ("cf.salary gt 100", "cf.nosuch gt 100"),
                 })
        {
            var expected = await RefusalAsync(() => queries(agent, new ListRequest(null, unknown, null)));
            var name = unknown.Split(' ')[0].Replace("cf.", "");
            var asked = hidden.Split(' ')[0].Replace("cf.", "");
            Assert.Equal(expected, (await RefusalAsync(() => queries(agent, new ListRequest(null, hidden, null)))).Replace($"'{asked}'", $"'{name}'"));
            Assert.Equal(expected, (await RefusalAsync(() => kit.RunAsync(sp => sp.GetRequiredService<ListEngine>()
                .CountAsync(CustomerQueries.Schema, agent, hidden, Ct)))).Replace($"'{asked}'", $"'{name}'"));
            await queries(admin, new ListRequest(null, hidden, null));
        }
        Assert.Equal(await RefusalAsync(() => queries(agent, new ListRequest(null, null, "nosuch"))),
            (await RefusalAsync(() => queries(agent, new ListRequest(null, null, "-age")))).Replace("'age'", "'nosuch'"));
        Assert.Equal(await RefusalAsync(() => queries(agent, new ListRequest(null, null, "cf.nosuch"))),
            (await RefusalAsync(() => queries(agent, new ListRequest(null, null, "cf.salary")))).Replace("'salary'", "'nosuch'"));
        await queries(admin, new ListRequest(null, null, "-age"));
        // The predictions are behaviour under other names: hidden with it.
        Assert.Equal(await RefusalAsync(() => queries(agent, new ListRequest(null, null, "nosuch"))),
            (await RefusalAsync(() => queries(agent, new ListRequest(null, null, "-churnRisk")))).Replace("'churnRisk'", "'nosuch'"));
        await queries(admin, new ListRequest(null, null, "-churnRisk"));
        // A read-only field filters and sorts as usual.
        Assert.Equal(2, (await Names(kit, agent, null, "city isnull", "city")).Count);

        // Items: hidden values blank, the hidden custom field gone.
        var item = (await kit.RunAsync(sp => sp.GetRequiredService<CustomerQueries>().ListAsync(agent, new ListRequest("小明", null, null), Ct))).Items.Single();
        Assert.Equal((null, null, null), (item.Phone, item.Email, item.Age));
        Assert.Empty(item.CustomFields);
        var detail = await kit.RunAsync(sp => sp.GetRequiredService<CustomerQueries>().GetAsync(agent, item.Id, Ct));
        Assert.Equal((null, null, null, null), (detail.Phone, detail.Email, detail.BirthDate, detail.Age));
        Assert.Empty(detail.CustomFields);
        var full = await kit.RunAsync(sp => sp.GetRequiredService<CustomerQueries>().GetAsync(admin, item.Id, Ct));
        Assert.Equal(("+8613800138000", "xiaoming@qq.com"), (full.Phone, full.Email));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task AFormSaveKeepsFieldsTheRoleMayNotWriteAndANewRecordMayNotSetThem(DatabaseProvider provider)
    {
        await using var kit = await RecordKit.StartAsync(provider);
        var admin = await kit.ScopeAsync(await kit.UserAsync(Role.Admin, "admin"));
        var created = await kit.CreateAsync(admin, new CustomerInput { Name = "Ann", Phone = "+49 30 901820", City = "Berlin" });
        var agent = Hiding(admin, ("phone", FieldRestriction.Hidden), ("city", FieldRestriction.ReadOnly));

        // The agent's form never had the phone and could not change the city: what it sends for them means nothing.
        var seen = await kit.RunAsync(sp => sp.GetRequiredService<CustomerQueries>().GetAsync(agent, created.Id, Ct));
        var input = seen.ToInput();
        input.Name = "Ann Lee";
        input.City = "Paris";
        await kit.RunAsync(sp => sp.GetRequiredService<UpdateCustomer>().HandleAsync(created.Id, input, null, agent, ActorKind.User, Ct));
        var after = await kit.RunAsync(sp => sp.GetRequiredService<CustomerQueries>().GetAsync(admin, created.Id, Ct));
        Assert.Equal(("Ann Lee", created.Phone, "Berlin"), (after.Name, after.Phone, after.City));
        Assert.NotNull(created.Phone);

        var refused = await Assert.ThrowsAsync<RuleViolation>(() => kit.CreateAsync(agent, new CustomerInput { Name = "Bo", City = "Rome" }));
        Assert.Contains("city", refused.Errors.Keys);
        await kit.CreateAsync(agent, new CustomerInput { Name = "Bo" });
    }
}
