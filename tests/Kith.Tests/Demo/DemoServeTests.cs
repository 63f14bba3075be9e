using System.Net;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Tests.Identity;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Tests.Demo;

public sealed class DemoServeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task ServeWithDemoFillsAnEmptyDatabaseThatTheApiThenLists(DatabaseProvider provider)
    {
        await using var host = await KithTestHost.StartAsync(provider, demo: true);
        var (_, admin) = await host.UserWithClientAsync(Role.Admin);

        var all = await admin.GetAsync("/api/v1/customers?limit=5", Ct);
        Assert.Equal(HttpStatusCode.OK, all.StatusCode);
        var page = await all.JsonAsync();
        Assert.Equal(3000, page.GetProperty("total").GetInt64());
        Assert.Equal(5, page.GetProperty("items").GetArrayLength());

        // The demo's Chinese names are found by a one-character surname, as a user would type it.
        var search = await (await admin.GetAsync("/api/v1/customers?q=" + Uri.EscapeDataString("王"), Ct)).JsonAsync();
        Assert.True(search.GetProperty("total").GetInt64() > 10);
        Assert.All(search.GetProperty("items").EnumerateArray(), c => Assert.Contains("王", c.GetProperty("name").GetString()!));

        var companies = await (await admin.GetAsync("/api/v1/companies?limit=1", Ct)).JsonAsync();
        Assert.Equal(150, companies.GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task ServeWithoutDemoLeavesTheDatabaseEmpty()
    {
        await using var host = await KithTestHost.StartAsync();
        await using var db = host.OpenDb();
        Assert.Equal(0, await db.Customers.CountAsync(Ct));
        Assert.Equal(0, await db.Users.CountAsync(Ct));
    }

    [Fact]
    public async Task DemoUsersCannotSignInAndNoneIsAnAdministrator()
    {
        await using var host = await KithTestHost.StartAsync(demo: true);
        await using var db = host.OpenDb();
        var users = await db.Users.ToListAsync(Ct);
        Assert.NotEmpty(users);
        Assert.DoesNotContain(users, u => u.Role == Role.Admin);
        // Each password is 32 random bytes nobody saw; the obvious guesses must all fail.
        var hasher = new Microsoft.AspNetCore.Identity.PasswordHasher<User>();
        foreach (var user in users)
            foreach (var guess in new[] { "", "demo", "password", "kith", user.Email, "correct horse battery staple" })
                Assert.Equal(Microsoft.AspNetCore.Identity.PasswordVerificationResult.Failed, hasher.VerifyHashedPassword(user, user.PasswordHash, guess));
    }

    [Fact]
    public async Task ServeWithDemoStillOffersTheOneTimeSetupOfTheFirstAdministrator()
    {
        await using var host = await KithTestHost.StartAsync(demo: true);
        var browser = host.Browser();
        // The demo owners exist, so the sign-in page shows; it points the first visitor to the setup page.
        var login = await browser.GetStringAsync("/account/login", Ct);
        Assert.Contains("href=\"/account/setup\"", login);

        var fields = new Dictionary<string, string>
        {
            ["Input.Email"] = "owner@example.com", ["Input.DisplayName"] = "Owner",
            ["Input.Password"] = CookieSessions.Password, ["Input.Confirm"] = CookieSessions.Password,
        };
        var created = await CookieSessions.PostFormAsync(browser, "/account/setup", "setup", fields);
        Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        await using (var db = host.OpenDb())
            Assert.Equal("owner@example.com", Assert.Single(db.Users.Where(u => u.Role == Role.Admin)).Email);
        Assert.Equal(HttpStatusCode.NotFound, (await host.Browser().GetAsync("/account/setup", Ct)).StatusCode);
    }
}
