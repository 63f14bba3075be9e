using Kith.Core.Customers;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;

namespace Kith.Core.Tests.Identity;

public sealed class AccessScopeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, ClassData(typeof(Providers))]
    public async Task AnAgentInNoTeamSeesOnlyTheirOwnRecords(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var db = database.Open();
        var (agent, other, _) = await PeopleAsync(db);
        await CustomersAsync(db, (agent, "Mine"), (other, "Theirs"));

        var scope = (await AccessScope.ForUserAsync(db, agent, Ct))!;
        Assert.Equal(["Mine"], await scope.Visible(db.Customers).Select(c => c.Name).ToListAsync(Ct));
    }

    [Theory, ClassData(typeof(Providers))]
    public async Task TeamMatesSeeEachOthersRecordsAndOnlyThose(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var db = database.Open();
        var (agent, other, outsider) = await PeopleAsync(db);
        await CustomersAsync(db, (agent, "Mine"), (other, "Mate's"), (outsider, "Outsider's"));
        var roster = new TeamRoster(db, new FakeTimeProvider());
        var team = await roster.CreateAsync(null, "North", Ct);
        await roster.AddMemberAsync(null, team.Id, agent, Ct);
        await roster.AddMemberAsync(null, team.Id, other, Ct);

        var scope = (await AccessScope.ForUserAsync(db, agent, Ct))!;
        Assert.Equal(["Mate's", "Mine"], await scope.Visible(db.Customers).Select(c => c.Name).OrderBy(n => n).ToListAsync(Ct));

        await roster.RemoveMemberAsync(null, team.Id, other, Ct);
        scope = (await AccessScope.ForUserAsync(db, agent, Ct))!;
        Assert.Equal(["Mine"], await scope.Visible(db.Customers).Select(c => c.Name).ToListAsync(Ct));
    }

    [Theory, ClassData(typeof(Providers))]
    public async Task AnAdminChangesARolesReachAndCannotReduceTheAdminRole(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var db = database.Open();
        var (agent, other, outsider) = await PeopleAsync(db);
        await CustomersAsync(db, (agent, "Mine"), (other, "Theirs"), (outsider, "Outsider's"));
        var settings = new RoleSettings(db);

        await settings.UpdateAsync(new RolePolicy { Role = Role.Agent, Reach = RecordReach.All, CanCreate = true }, Ct);
        var scope = (await AccessScope.ForUserAsync(db, agent, Ct))!;
        Assert.Equal(3, await scope.Visible(db.Customers).CountAsync(Ct));
        Assert.False(scope.Policy.CanEdit);
        Assert.Throws<Forbidden>(scope.EnsureCanEdit);

        var rule = await Assert.ThrowsAsync<RuleViolation>(() => settings.UpdateAsync(
            new RolePolicy { Role = Role.Admin, Reach = RecordReach.Own, CanCreate = true, CanEdit = true, CanDelete = true, CanAssign = true }, Ct));
        Assert.Contains("reach", rule.Errors.Keys);
        var admin = (await settings.ListAsync(Ct)).Single(p => p.Role == Role.Admin);
        Assert.Equal(RecordReach.All, admin.Reach);
    }

    [Theory, ClassData(typeof(Providers))]
    public async Task ADisabledUserHasNoScope(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var db = database.Open();
        var (agent, _, _) = await PeopleAsync(db);
        await new UserAccounts(db, new FakeTimeProvider()).UpdateAsync(agent, new UpdateUser { Disabled = true }, Ct);
        Assert.Null(await AccessScope.ForUserAsync(db, agent, Ct));
    }

    [Theory, ClassData(typeof(Providers))]
    public async Task ManagersManageOnlyTheirOwnTeamsAndAgentsNone(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var db = database.Open();
        var (agent, other, _) = await PeopleAsync(db);
        var accounts = new UserAccounts(db, new FakeTimeProvider());
        var manager = (await accounts.CreateAsync(new CreateUser { Email = "manager@example.com", Role = Role.Manager, Password = "correct horse battery staple" }, Ct)).Id;
        var roster = new TeamRoster(db, new FakeTimeProvider());
        var mine = await roster.CreateAsync(null, "Mine", Ct);
        var theirs = await roster.CreateAsync(null, "Theirs", Ct);
        await roster.AddMemberAsync(null, mine.Id, manager, Ct);

        var managerScope = (await AccessScope.ForUserAsync(db, manager, Ct))!;
        Assert.Equal(["Mine"], (await roster.ListAsync(managerScope, Ct)).Select(t => t.Name));
        await roster.AddMemberAsync(managerScope, mine.Id, agent, Ct);
        await Assert.ThrowsAsync<NotFound>(() => roster.AddMemberAsync(managerScope, theirs.Id, agent, Ct));
        await Assert.ThrowsAsync<Forbidden>(() => roster.CreateAsync(managerScope, "New", Ct));
        await Assert.ThrowsAsync<Forbidden>(() => roster.DeleteAsync(managerScope, mine.Id, Ct));

        var agentScope = (await AccessScope.ForUserAsync(db, agent, Ct))!;
        await Assert.ThrowsAsync<Forbidden>(() => roster.ListAsync(agentScope, Ct));
        await Assert.ThrowsAsync<Forbidden>(() => roster.AddMemberAsync(agentScope, mine.Id, other, Ct));
    }

    private static async Task<(long Agent, long Other, long Outsider)> PeopleAsync(KithDb db)
    {
        var accounts = new UserAccounts(db, new FakeTimeProvider());
        var ids = new List<long>();
        foreach (var name in new[] { "agent", "other", "outsider" })
            ids.Add((await accounts.CreateAsync(new CreateUser { Email = $"{name}@example.com", Role = Role.Agent, Password = "correct horse battery staple" }, Ct)).Id);
        return (ids[0], ids[1], ids[2]);
    }

    private static async Task CustomersAsync(KithDb db, params (long Owner, string Name)[] customers)
    {
        foreach (var (owner, name) in customers)
            db.Customers.Add(new Customer { Name = name, OwnerId = owner, CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow });
        await db.SaveChangesAsync(Ct);
    }
}
