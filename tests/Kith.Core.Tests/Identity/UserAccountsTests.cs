using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;

namespace Kith.Core.Tests.Identity;

public sealed class UserAccountsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private const string Password = "correct horse battery staple";

    [Theory, ClassData(typeof(Providers))]
    public async Task ANewUserIsStoredWithANormalisedEmailAHashAndNoTeam(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var db = database.Open();
        var accounts = new UserAccounts(db, new FakeTimeProvider());
        var user = await accounts.CreateAsync(new CreateUser { Email = "  Ada@Example.COM ", Role = Role.Manager, Password = Password }, Ct);

        Assert.Equal("ada@example.com", user.Email);
        Assert.Equal("ada", user.DisplayName);
        Assert.NotEqual(Password, user.PasswordHash);
        Assert.Empty(await db.TeamMembers.Where(m => m.UserId == user.Id).ToListAsync(Ct));
        Assert.Empty((await accounts.GetAsync(user.Id, Ct)).TeamIds);
        Assert.Equal(user.Id, (await accounts.CheckPasswordAsync("ADA@example.com", Password, Ct))?.Id);
        Assert.Null(await accounts.CheckPasswordAsync("ada@example.com", "wrong password here", Ct));
        Assert.Null(await accounts.CheckPasswordAsync("nobody@example.com", Password, Ct));
    }

    [Theory, ClassData(typeof(Providers))]
    public async Task BadInputIsRefusedPerFieldAndNothingIsStored(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var db = database.Open();
        var accounts = new UserAccounts(db, new FakeTimeProvider());
        var rule = await Assert.ThrowsAsync<RuleViolation>(() => accounts.CreateAsync(
            new CreateUser { Email = "not-an-email", Role = Role.Agent, Password = "12345678", Language = "fr" }, Ct));
        Assert.Equal(["email", "language", "password"], rule.Errors.Keys.Order());
        Assert.False(await db.Users.AnyAsync(Ct));

        await accounts.CreateAsync(new CreateUser { Email = "ada@example.com", Password = Password }, Ct);
        var duplicate = await Assert.ThrowsAsync<RuleViolation>(() => accounts.CreateAsync(new CreateUser { Email = "ADA@example.com", Password = Password }, Ct));
        Assert.Equal(409, duplicate.Status);
    }

    [Theory, ClassData(typeof(Providers))]
    public async Task RoleChangesDisablingAndPasswordResetsReplaceTheSecurityStampButProfileEditsDoNot(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var db = database.Open();
        var accounts = new UserAccounts(db, new FakeTimeProvider());
        await accounts.CreateAsync(new CreateUser { Email = "admin@example.com", Role = Role.Admin, Password = Password }, Ct);
        var user = await accounts.CreateAsync(new CreateUser { Email = "agent@example.com", Role = Role.Agent, Password = Password }, Ct);

        async Task<string> Stamp() => (await db.Users.AsNoTracking().SingleAsync(u => u.Id == user.Id, Ct)).SecurityStamp;
        var stamp = await Stamp();
        await accounts.UpdateAsync(user.Id, new UpdateUser { DisplayName = "Agent Smith", Language = "zh-Hans" }, Ct);
        Assert.Equal(stamp, await Stamp());
        await accounts.UpdateAsync(user.Id, new UpdateUser { Role = Role.Viewer }, Ct);
        Assert.NotEqual(stamp, stamp = await Stamp());
        await accounts.UpdateAsync(user.Id, new UpdateUser { Disabled = true }, Ct);
        Assert.NotEqual(stamp, stamp = await Stamp());
        Assert.Null(await accounts.CheckPasswordAsync("agent@example.com", Password, Ct));
        await accounts.UpdateAsync(user.Id, new UpdateUser { Disabled = false }, Ct);
        stamp = await Stamp();
        await accounts.ResetPasswordAsync(user.Id, "another long pass phrase", Ct);
        Assert.NotEqual(stamp, await Stamp());
        Assert.NotNull(await accounts.CheckPasswordAsync("agent@example.com", "another long pass phrase", Ct));
    }

    [Theory, ClassData(typeof(Providers))]
    public async Task TheLastActiveAdministratorCannotBeDemotedOrDisabled(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var db = database.Open();
        var accounts = new UserAccounts(db, new FakeTimeProvider());
        var admin = await accounts.CreateAsync(new CreateUser { Email = "admin@example.com", Role = Role.Admin, Password = Password }, Ct);
        Assert.Equal(409, (await Assert.ThrowsAsync<RuleViolation>(() => accounts.UpdateAsync(admin.Id, new UpdateUser { Role = Role.Agent }, Ct))).Status);
        Assert.Equal(409, (await Assert.ThrowsAsync<RuleViolation>(() => accounts.UpdateAsync(admin.Id, new UpdateUser { Disabled = true }, Ct))).Status);

        var second = await accounts.CreateAsync(new CreateUser { Email = "second@example.com", Role = Role.Admin, Password = Password }, Ct);
        await accounts.UpdateAsync(admin.Id, new UpdateUser { Role = Role.Agent }, Ct);
        Assert.Equal(Role.Agent, (await accounts.GetAsync(admin.Id, Ct)).Role);
        Assert.NotEqual(0, second.Id);
    }

    [Theory, ClassData(typeof(Providers))]
    public async Task ChangingTheOwnPasswordNeedsTheCurrentOne(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var db = database.Open();
        var accounts = new UserAccounts(db, new FakeTimeProvider());
        var user = await accounts.CreateAsync(new CreateUser { Email = "agent@example.com", Password = Password }, Ct);
        var wrong = await Assert.ThrowsAsync<RuleViolation>(() => accounts.ChangeOwnPasswordAsync(user.Id, "not it at all", "a new long phrase", Ct));
        Assert.Contains("currentPassword", wrong.Errors.Keys);
        var weak = await Assert.ThrowsAsync<RuleViolation>(() => accounts.ChangeOwnPasswordAsync(user.Id, Password, "iloveyou", Ct));
        Assert.Contains("newPassword", weak.Errors.Keys);
        await accounts.ChangeOwnPasswordAsync(user.Id, Password, "a new long phrase", Ct);
        Assert.NotNull(await accounts.CheckPasswordAsync("agent@example.com", "a new long phrase", Ct));
    }
}
