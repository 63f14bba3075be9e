using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;

namespace Kith.Core.Tests.Identity;

public sealed class ApiTokensTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, ClassData(typeof(Providers))]
    public async Task OnlyTheHashOfATokenIsStoredAndListsNeverShowIt(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var db = database.Open();
        var user = await new UserAccounts(db, new FakeTimeProvider()).CreateAsync(new CreateUser { Email = "a@example.com", Password = "correct horse battery staple" }, Ct);
        var tokens = new ApiTokens(db, new FakeTimeProvider());
        var (token, secret) = await tokens.CreateAsync(user.Id, " nightly import ", Ct);

        Assert.StartsWith(ApiTokens.TokenPrefix, secret);
        Assert.True(secret.Length >= 40);
        var stored = await db.ApiTokens.AsNoTracking().SingleAsync(Ct);
        Assert.Equal(ApiTokens.Hash(secret), stored.TokenHash);
        Assert.DoesNotContain(secret, stored.TokenHash + stored.Prefix + stored.Name);
        Assert.Equal("nightly import", stored.Name);
        var item = Assert.Single(await tokens.ListItemsAsync(user.Id, Ct));
        Assert.Equal(token.Id, item.Id);
        Assert.StartsWith(item.Prefix, secret);
    }

    [Theory, ClassData(typeof(Providers))]
    public async Task AUserRevokesOnlyTheirOwnTokensAndAnAdminAnyones(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var db = database.Open();
        var accounts = new UserAccounts(db, new FakeTimeProvider());
        var admin = await accounts.CreateAsync(new CreateUser { Email = "admin@example.com", Role = Role.Admin, Password = "correct horse battery staple" }, Ct);
        var agent = await accounts.CreateAsync(new CreateUser { Email = "agent@example.com", Role = Role.Agent, Password = "correct horse battery staple" }, Ct);
        var other = await accounts.CreateAsync(new CreateUser { Email = "other@example.com", Role = Role.Agent, Password = "correct horse battery staple" }, Ct);
        var tokens = new ApiTokens(db, new FakeTimeProvider());
        var (otherToken, _) = await tokens.CreateAsync(other.Id, "theirs", Ct);

        var agentScope = (await AccessScope.ForUserAsync(db, agent.Id, Ct))!;
        await Assert.ThrowsAsync<NotFound>(() => tokens.RevokeAsync(agentScope, otherToken.Id, Ct));
        Assert.Null((await db.ApiTokens.AsNoTracking().SingleAsync(t => t.Id == otherToken.Id, Ct)).RevokedAt);

        var adminScope = (await AccessScope.ForUserAsync(db, admin.Id, Ct))!;
        await tokens.RevokeAsync(adminScope, otherToken.Id, Ct);
        Assert.NotNull((await db.ApiTokens.AsNoTracking().SingleAsync(t => t.Id == otherToken.Id, Ct)).RevokedAt);
    }

    [Theory, ClassData(typeof(Providers))]
    public async Task ATokenNeedsANameAndAnActiveUser(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var db = database.Open();
        var accounts = new UserAccounts(db, new FakeTimeProvider());
        await accounts.CreateAsync(new CreateUser { Email = "admin@example.com", Role = Role.Admin, Password = "correct horse battery staple" }, Ct);
        var user = await accounts.CreateAsync(new CreateUser { Email = "a@example.com", Password = "correct horse battery staple" }, Ct);
        var tokens = new ApiTokens(db, new FakeTimeProvider());
        Assert.Contains("name", (await Assert.ThrowsAsync<RuleViolation>(() => tokens.CreateAsync(user.Id, "  ", Ct))).Errors.Keys);
        await accounts.UpdateAsync(user.Id, new UpdateUser { Disabled = true }, Ct);
        await Assert.ThrowsAsync<NotFound>(() => tokens.CreateAsync(user.Id, "x", Ct));
    }
}
