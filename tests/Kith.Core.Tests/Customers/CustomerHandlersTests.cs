using System.Text.Json;
using Kith.Core.Companies;
using Kith.Core.Customers;
using Kith.Core.History;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Core.Listing;
using Kith.Core.Settings;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kith.Core.Tests.Customers;

public sealed class CustomerHandlersTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task CreatingACustomerNormalisesEmailAndPhoneStampsTheCreatorAndRecordsHistory(DatabaseProvider provider)
    {
        await using var kit = await RecordKit.StartAsync(provider);
        var agent = await kit.ScopeAsync(await kit.UserAsync(Role.Agent, "Li Na"));
        var created = await kit.CreateAsync(agent, new CustomerInput
        {
            Name = "  王小明 ", Email = "  Wang.XM@Example.COM ", Phone = "138 0013 8000", City = "上海", Stage = LifecycleStage.Prospect,
            Tags = ["VIP", "vip", "Beijing"],
        });

        Assert.Equal("王小明", created.Name);
        Assert.Equal("wang.xm@example.com", created.Email);
        Assert.Equal("+8613800138000", created.Phone);
        Assert.True(created.PhoneIsValid);
        Assert.Equal(agent.UserId, created.OwnerId);
        Assert.Equal(new ActorRef(ActorKind.User, agent.UserId, "Li Na"), created.CreatedBy);
        Assert.Equal(1, created.Version);
        Assert.Equal(["Beijing", "VIP"], created.Tags);
        var history = await kit.RunAsync(sp => sp.GetRequiredService<CustomerQueries>().HistoryAsync(agent, created.Id, Ct));
        var row = Assert.Single(history);
        Assert.Equal(ChangeAction.Created, row.Action);
        Assert.Equal("Li Na", row.Actor.Name);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task APhoneKithCannotReadIsKeptAsTypedButTextThatIsNoPhoneNumberIsRefused(DatabaseProvider provider)
    {
        await using var kit = await RecordKit.StartAsync(provider);
        var agent = await kit.ScopeAsync(await kit.UserAsync(Role.Agent, "a"));
        var odd = await kit.CreateAsync(agent, new CustomerInput { Name = "Odd", Phone = "12 34" });
        Assert.Equal("12 34", odd.Phone);
        Assert.False(odd.PhoneIsValid);

        var refused = await Assert.ThrowsAsync<RuleViolation>(() => kit.CreateAsync(agent, new CustomerInput { Name = "Letters", Phone = "call me maybe" }));
        Assert.Equal(400, refused.Status);
        Assert.Contains("phone", refused.Errors.Keys);
        var email = await Assert.ThrowsAsync<RuleViolation>(() => kit.CreateAsync(agent, new CustomerInput { Name = "Mail", Email = "not-an-email@" }));
        Assert.Contains("email", email.Errors.Keys);
        await using var db = kit.Database.Open();
        Assert.Equal(1, await db.Customers.CountAsync(Ct));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task TheDefaultPhoneRegionDecidesHowANumberWithoutCountryCodeIsRead(DatabaseProvider provider)
    {
        await using var kit = await RecordKit.StartAsync(provider);
        var admin = await kit.ScopeAsync(await kit.UserAsync(Role.Admin, "admin"));
        await kit.RunAsync(sp => sp.GetRequiredService<WorkspaceSettings>().UpdateAsync(new WorkspaceSettingsModel("us"), admin, Ct));
        var created = await kit.CreateAsync(admin, new CustomerInput { Name = "Sam", Phone = "(201) 555-0123" });
        Assert.Equal("+12015550123", created.Phone);
        var agent = await kit.ScopeAsync(await kit.UserAsync(Role.Agent, "agent"));
        await Assert.ThrowsAsync<Forbidden>(() => kit.RunAsync(sp => sp.GetRequiredService<WorkspaceSettings>().UpdateAsync(new WorkspaceSettingsModel("GB"), agent, Ct)));
        await Assert.ThrowsAsync<RuleViolation>(() => kit.RunAsync(sp => sp.GetRequiredService<WorkspaceSettings>().UpdateAsync(new WorkspaceSettingsModel("XX"), admin, Ct)));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task AnExternalIdBelongsToOneCustomerAndATakenOneIsAConflict(DatabaseProvider provider)
    {
        await using var kit = await RecordKit.StartAsync(provider);
        var agent = await kit.ScopeAsync(await kit.UserAsync(Role.Agent, "a"));
        await kit.CreateAsync(agent, new CustomerInput { Name = "First", ExternalId = "ERP-1" });
        var clash = await Assert.ThrowsAsync<RuleViolation>(() => kit.CreateAsync(agent, new CustomerInput { Name = "Second", ExternalId = "ERP-1" }));
        Assert.Equal(409, clash.Status);
        var found = await kit.RunAsync(sp => sp.GetRequiredService<CustomerQueries>().GetByExternalIdAsync(agent, "ERP-1", Ct));
        Assert.Equal("First", found.Name);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task OnlyRolesThatMayAssignCanGiveARecordAnotherOwnerAndOnlyToAnActiveUser(DatabaseProvider provider)
    {
        await using var kit = await RecordKit.StartAsync(provider);
        var agentId = await kit.UserAsync(Role.Agent, "agent");
        var otherId = await kit.UserAsync(Role.Agent, "other");
        var agent = await kit.ScopeAsync(agentId);
        var manager = await kit.ScopeAsync(await kit.UserAsync(Role.Manager, "manager"));

        await Assert.ThrowsAsync<Forbidden>(() => kit.CreateAsync(agent, new CustomerInput { Name = "Mine?", OwnerId = otherId }));
        var assigned = await kit.CreateAsync(manager, new CustomerInput { Name = "Theirs", OwnerId = otherId });
        Assert.Equal(otherId, assigned.OwnerId);
        var missing = await Assert.ThrowsAsync<RuleViolation>(() => kit.CreateAsync(manager, new CustomerInput { Name = "Nobody's", OwnerId = 999_999 }));
        Assert.Contains("ownerId", missing.Errors.Keys);
        await using var db = kit.Database.Open();
        Assert.Equal(1, await db.Customers.CountAsync(Ct));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task TheAgeIsDerivedFromTheBirthDateAndAStatedAgeMustBeBelievable(DatabaseProvider provider)
    {
        await using var kit = await RecordKit.StartAsync(provider);
        var agent = await kit.ScopeAsync(await kit.UserAsync(Role.Agent, "a"));
        var born = await kit.CreateAsync(agent, new CustomerInput { Name = "Born", BirthDate = new DateOnly(1990, 3, 2), Age = 7 });
        Assert.Equal(35, born.Age);
        var bad = await Assert.ThrowsAsync<RuleViolation>(() => kit.CreateAsync(agent, new CustomerInput { Name = "Old", Age = 151 }));
        Assert.Contains("age", bad.Errors.Keys);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task SavingRecordsOneHistoryRowPerChangedFieldInOneChangeSetWithTheActorsName(DatabaseProvider provider)
    {
        await using var kit = await RecordKit.StartAsync(provider);
        var agent = await kit.ScopeAsync(await kit.UserAsync(Role.Agent, "Zhang Wei"));
        var created = await kit.CreateAsync(agent, new CustomerInput { Name = "Chen", City = "Shanghai", Tags = ["b"] });
        kit.Clock.Advance(TimeSpan.FromMinutes(5));
        var input = created.ToInput();
        input.City = "Beijing";
        input.Stage = LifecycleStage.Customer;
        input.Tags = ["b", "a"];
        var saved = await kit.RunAsync(sp => sp.GetRequiredService<UpdateCustomer>().HandleAsync(created.Id, input, created.Version, agent, ActorKind.User, Ct));
        Assert.Equal(2, saved.Version);
        Assert.True(saved.UpdatedAt > saved.CreatedAt);

        var history = await kit.RunAsync(sp => sp.GetRequiredService<CustomerQueries>().HistoryAsync(agent, created.Id, Ct));
        var changes = history.Where(h => h.Action == ChangeAction.Updated).ToList();
        Assert.Equal(["city", "stage", "tags"], changes.Select(c => c.Field).Order());
        Assert.Single(changes.Select(c => c.ChangeSet).Distinct());
        var city = changes.Single(c => c.Field == "city");
        Assert.Equal(("Shanghai", "Beijing"), (city.OldValue, city.NewValue));
        Assert.Equal(("b", "a,b"), (changes.Single(c => c.Field == "tags").OldValue, changes.Single(c => c.Field == "tags").NewValue));
        Assert.All(history, h => Assert.Equal("Zhang Wei", h.Actor.Name));

        var again = await kit.RunAsync(sp => sp.GetRequiredService<UpdateCustomer>().HandleAsync(created.Id, input, null, agent, ActorKind.User, Ct));
        Assert.Equal(2, again.Version);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task AStaleVersionIsAConflictAndOfTwoConcurrentSavesOnlyOneWins(DatabaseProvider provider)
    {
        await using var kit = await RecordKit.StartAsync(provider);
        var agent = await kit.ScopeAsync(await kit.UserAsync(Role.Agent, "a"));
        var created = await kit.CreateAsync(agent, new CustomerInput { Name = "Shared" });
        var first = created.ToInput();
        first.City = "One";
        await kit.RunAsync(sp => sp.GetRequiredService<UpdateCustomer>().HandleAsync(created.Id, first, 1, agent, ActorKind.User, Ct));
        var second = created.ToInput();
        second.City = "Two";
        await Assert.ThrowsAsync<VersionConflict>(() =>
            kit.RunAsync(sp => sp.GetRequiredService<UpdateCustomer>().HandleAsync(created.Id, second, 1, agent, ActorKind.User, Ct)));

        // Two requests that loaded the same version: the database's version check lets only one save land.
        await using var scopeA = kit.Database.Open();
        await using var scopeB = kit.Database.Open();
        var a = await scopeA.Customers.FirstAsync(c => c.Id == created.Id, Ct);
        var b = await scopeB.Customers.FirstAsync(c => c.Id == created.Id, Ct);
        a.City = "A"; a.Version++;
        b.City = "B"; b.Version++;
        await RecordSaving.SaveAsync(scopeA, "Customer", Ct);
        await Assert.ThrowsAsync<VersionConflict>(() => RecordSaving.SaveAsync(scopeB, "Customer", Ct));
        var detail = await kit.RunAsync(sp => sp.GetRequiredService<CustomerQueries>().GetAsync(agent, created.Id, Ct));
        Assert.Equal("A", detail.City);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task ADeletedCustomerIsGoneEverywhereUntilRestoredAndNotRestorableAfterThirtyDays(DatabaseProvider provider)
    {
        await using var kit = await RecordKit.StartAsync(provider);
        var agent = await kit.ScopeAsync(await kit.UserAsync(Role.Agent, "a"));
        var c = await kit.CreateAsync(agent, new CustomerInput { Name = "Binned Person", ExternalId = "X1" });
        await kit.RunAsync(sp => sp.GetRequiredService<DeleteCustomer>().HandleAsync(c.Id, c.Version, agent, ActorKind.User, Ct));

        await Assert.ThrowsAsync<NotFound>(() => kit.RunAsync(sp => sp.GetRequiredService<CustomerQueries>().GetAsync(agent, c.Id, Ct)));
        await Assert.ThrowsAsync<NotFound>(() => kit.RunAsync(sp => sp.GetRequiredService<CustomerQueries>().GetByExternalIdAsync(agent, "X1", Ct)));
        await Assert.ThrowsAsync<NotFound>(() => kit.RunAsync(sp => sp.GetRequiredService<DeleteCustomer>().HandleAsync(c.Id, null, agent, ActorKind.User, Ct)));
        var list = await kit.RunAsync(sp => sp.GetRequiredService<CustomerQueries>().ListAsync(agent, new ListRequest("binned", null, null), Ct));
        Assert.Empty(list.Items);
        Assert.Equal(0, list.Total);
        var bin = await kit.RunAsync(sp => sp.GetRequiredService<CustomerQueries>().DeletedAsync(agent, Ct));
        Assert.Equal(c.Id, Assert.Single(bin).Id);

        var restored = await kit.RunAsync(sp => sp.GetRequiredService<RestoreCustomer>().HandleAsync(c.Id, agent, ActorKind.User, Ct));
        Assert.Null(restored.DeletedAt);
        Assert.Equal(3, restored.Version);
        var history = await kit.RunAsync(sp => sp.GetRequiredService<CustomerQueries>().HistoryAsync(agent, c.Id, Ct));
        Assert.Equal([ChangeAction.Restored, ChangeAction.Deleted, ChangeAction.Created], history.Select(h => h.Action));

        await kit.RunAsync(sp => sp.GetRequiredService<DeleteCustomer>().HandleAsync(c.Id, null, agent, ActorKind.User, Ct));
        kit.Clock.Advance(TimeSpan.FromDays(31));
        await Assert.ThrowsAsync<NotFound>(() => kit.RunAsync(sp => sp.GetRequiredService<RestoreCustomer>().HandleAsync(c.Id, agent, ActorKind.User, Ct)));
        Assert.Empty(await kit.RunAsync(sp => sp.GetRequiredService<CustomerQueries>().DeletedAsync(agent, Ct)));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task AMergePatchChangesOnlyTheFieldsItNamesAndRefusesFieldsKithSets(DatabaseProvider provider)
    {
        await using var kit = await RecordKit.StartAsync(provider);
        var agent = await kit.ScopeAsync(await kit.UserAsync(Role.Agent, "a"));
        var c = await kit.CreateAsync(agent, new CustomerInput { Name = "Patchy", City = "Hangzhou", Email = "p@example.com" });
        Task<CustomerDetail> Patch(string json) => kit.RunAsync(sp =>
            sp.GetRequiredService<UpdateCustomer>().PatchAsync(c.Id, JsonDocument.Parse(json).RootElement, null, agent, ActorKind.Api, Ct));

        var patched = await Patch("""{"city": null, "stage": "customer"}""");
        Assert.Null(patched.City);
        Assert.Equal(LifecycleStage.Customer, patched.Stage);
        Assert.Equal("p@example.com", patched.Email);

        var readOnly = await Assert.ThrowsAsync<RuleViolation>(() => Patch("""{"id": 5, "createdAt": "2020-01-01T00:00:00Z"}"""));
        Assert.Equal(["createdAt", "id"], readOnly.Errors.Keys.Order());
        var unknown = await Assert.ThrowsAsync<RuleViolation>(() => Patch("""{"nickname": "x"}"""));
        Assert.Equal(400, unknown.Status);
        var wrongType = await Assert.ThrowsAsync<RuleViolation>(() => Patch("""{"age": "old"}"""));
        Assert.Contains("age", wrongType.Errors.Keys);
        await Assert.ThrowsAsync<Forbidden>(() => Patch("""{"ownerId": 424242}"""));
        var after = await kit.RunAsync(sp => sp.GetRequiredService<CustomerQueries>().GetAsync(agent, c.Id, Ct));
        Assert.Equal(2, after.Version);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task ARecordOutOfReachIsNotFoundAndAViewerMayReadButNotWrite(DatabaseProvider provider)
    {
        await using var kit = await RecordKit.StartAsync(provider);
        var ownerId = await kit.UserAsync(Role.Agent, "owner");
        var outsiderId = await kit.UserAsync(Role.Agent, "outsider");
        var viewerId = await kit.UserAsync(Role.Viewer, "viewer");
        await kit.TeamAsync(ownerId, viewerId);
        var owner = await kit.ScopeAsync(ownerId);
        var outsider = await kit.ScopeAsync(outsiderId);
        var viewer = await kit.ScopeAsync(viewerId);
        var c = await kit.CreateAsync(owner, new CustomerInput { Name = "Private" });

        await Assert.ThrowsAsync<NotFound>(() => kit.RunAsync(sp => sp.GetRequiredService<CustomerQueries>().GetAsync(outsider, c.Id, Ct)));
        await Assert.ThrowsAsync<NotFound>(() => kit.RunAsync(sp => sp.GetRequiredService<UpdateCustomer>().HandleAsync(c.Id, c.ToInput(), null, outsider, ActorKind.User, Ct)));
        await Assert.ThrowsAsync<NotFound>(() => kit.RunAsync(sp => sp.GetRequiredService<DeleteCustomer>().HandleAsync(c.Id, null, outsider, ActorKind.User, Ct)));
        await Assert.ThrowsAsync<NotFound>(() => kit.RunAsync(sp => sp.GetRequiredService<CustomerQueries>().HistoryAsync(outsider, c.Id, Ct)));
        var outsiderList = await kit.RunAsync(sp => sp.GetRequiredService<CustomerQueries>().ListAsync(outsider, new ListRequest(null, null, null), Ct));
        Assert.Equal(0, outsiderList.Total);

        Assert.Equal("Private", (await kit.RunAsync(sp => sp.GetRequiredService<CustomerQueries>().GetAsync(viewer, c.Id, Ct))).Name);
        await Assert.ThrowsAsync<Forbidden>(() => kit.RunAsync(sp => sp.GetRequiredService<UpdateCustomer>().HandleAsync(c.Id, c.ToInput(), null, viewer, ActorKind.User, Ct)));
        await Assert.ThrowsAsync<Forbidden>(() => kit.CreateAsync(viewer, new CustomerInput { Name = "Nope" }));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task ACustomerLinksOnlyToACompanyTheCallerCanSeeAndIsFoundByItsName(DatabaseProvider provider)
    {
        await using var kit = await RecordKit.StartAsync(provider);
        var agent = await kit.ScopeAsync(await kit.UserAsync(Role.Agent, "a"));
        var stranger = await kit.ScopeAsync(await kit.UserAsync(Role.Agent, "s"));
        var company = await kit.RunAsync(sp => sp.GetRequiredService<CreateCompany>().HandleAsync(new CompanyInput { Name = "Acme Trading" }, agent, ActorKind.User, Ct));
        var hidden = await kit.RunAsync(sp => sp.GetRequiredService<CreateCompany>().HandleAsync(new CompanyInput { Name = "Hidden" }, stranger, ActorKind.User, Ct));
        var bad = await Assert.ThrowsAsync<RuleViolation>(() => kit.CreateAsync(agent, new CustomerInput { Name = "X", CompanyId = hidden.Id }));
        Assert.Contains("companyId", bad.Errors.Keys);

        var c = await kit.CreateAsync(agent, new CustomerInput { Name = "Employee", CompanyId = company.Id });
        Assert.Equal("Acme Trading", c.CompanyName);
        var found = await kit.RunAsync(sp => sp.GetRequiredService<CustomerQueries>().ListAsync(agent, new ListRequest("acme", null, null), Ct));
        Assert.Equal(c.Id, Assert.Single(found.Items).Id);
    }
}
