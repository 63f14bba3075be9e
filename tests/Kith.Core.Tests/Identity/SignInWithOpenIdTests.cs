using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Tests.Identity;

public sealed class SignInWithOpenIdTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly OpenIdIdentity s_identity = new("https://id.example", "sub-42", "Ada@Example.com", EmailVerified: true, "Ada");

    /// <summary>
    /// The first sign-in of one person from several tabs at once: each request has its own context, all find no link
    /// and try to store one (and, for a new person, the user too). Every one of them signs the same user in, and one
    /// link and one user are stored, instead of the unique index failing the losers with a 500.
    /// </summary>
    [Theory]
    [InlineData(DatabaseProvider.Sqlite, true)]
    [InlineData(DatabaseProvider.Sqlite, false)]
    [InlineData(DatabaseProvider.Postgres, true)]
    [InlineData(DatabaseProvider.Postgres, false)]
    public async Task SimultaneousFirstSignInsOfOnePersonAllOpenTheSameUserAndStoreOneLink(DatabaseProvider provider, bool userExists)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        if (userExists)
        {
            await using var db = database.Open();
            db.Users.Add(new User { Email = "ada@example.com", DisplayName = "Ada", Role = Role.Agent, CreatedAt = DateTime.UtcNow });
            await db.SaveChangesAsync(Ct);
        }

        const int tabs = 8;
        var ready = 0;
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var outcomes = await Task.WhenAll(Enumerable.Range(0, tabs).Select(_ => Task.Run(async () =>
        {
            await using var db = database.Open();
            // Connected before the race, so that every request reaches its lookup at about the same time.
            await db.Database.OpenConnectionAsync(Ct);
            if (Interlocked.Increment(ref ready) == tabs) go.SetResult();
            await go.Task;
            return await new SignInWithOpenId(db, TimeProvider.System).HandleAsync(s_identity, Role.Viewer, Ct);
        }, Ct)));

        await using var check = database.Open();
        var user = await check.Users.SingleAsync(Ct);
        Assert.Equal("ada@example.com", user.Email);
        Assert.All(outcomes, o => Assert.Equal(user.Id, o.User?.Id));
        var link = await check.OpenIdLinks.SingleAsync(Ct);
        Assert.Equal((user.Id, "https://id.example", "sub-42"), (link.UserId, link.Issuer, link.Subject));
    }
}
