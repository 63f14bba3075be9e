using System.Net;
using System.Text.RegularExpressions;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Tests.Identity;

/// <summary>Server-side sessions: listed on the profile, ended one by one or everywhere, and never reused.</summary>
public sealed class SessionsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, ClassData(typeof(Providers))]
    public async Task TheProfileListsEachBrowserAndSigningOneOutEndsOnlyThatOne(DatabaseProvider provider)
    {
        await using var host = await KithTestHost.StartAsync(provider);
        await host.CreateUserAsync("agent@example.com", Role.Agent);
        var laptop = host.Browser();
        laptop.DefaultRequestHeaders.UserAgent.ParseAdd("Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0");
        await CookieSessions.SubmitLoginAsync(laptop, "agent@example.com", CookieSessions.Password);
        var phone = host.Browser();
        phone.DefaultRequestHeaders.UserAgent.ParseAdd("Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Safari/604.1");
        await CookieSessions.SubmitLoginAsync(phone, "agent@example.com", CookieSessions.Password);

        var page = await laptop.GetStringAsync("/account/profile", Ct);
        Assert.Equal(2, Regex.Matches(page, "data-test=\"session\"").Count);
        Assert.Contains("Firefox · Linux", page);
        Assert.Contains("Safari · iOS", page);
        Assert.Contains("127.0.0.1", page);
        Assert.Single(Regex.Matches(page, "data-test=\"this-browser\""));

        long phoneSession;
        await using (var db = host.OpenDb())
            phoneSession = (await db.UserSessions.SingleAsync(s => s.UserAgent.Contains("iPhone"), Ct)).Id;
        var ended = await CookieSessions.PostFormAsync(laptop, "/account/profile", "sessions", new Dictionary<string, string> { ["Ending.Id"] = phoneSession.ToString() });
        Assert.Equal(HttpStatusCode.Redirect, ended.StatusCode);

        Assert.Equal(HttpStatusCode.Redirect, (await phone.GetAsync("/account/profile", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await laptop.GetAsync("/account/profile", Ct)).StatusCode);
        Assert.Single(Regex.Matches(await laptop.GetStringAsync("/account/profile", Ct), "data-test=\"session\""));
    }

    [Fact]
    public async Task AnotherUsersSessionCannotBeEndedFromMyProfile()
    {
        await using var host = await KithTestHost.StartAsync();
        await host.CreateUserAsync("agent@example.com", Role.Agent);
        await host.CreateUserAsync("other@example.com", Role.Agent);
        var mine = await host.SignedInClientAsync("agent@example.com");
        var theirs = await host.SignedInClientAsync("other@example.com");
        long theirSession;
        await using (var db = host.OpenDb())
            theirSession = (await db.UserSessions.SingleAsync(s => s.UserId == db.Users.Single(u => u.Email == "other@example.com").Id, Ct)).Id;

        await CookieSessions.PostFormAsync(mine, "/account/profile", "sessions", new Dictionary<string, string> { ["Ending.Id"] = theirSession.ToString() });
        Assert.Equal(HttpStatusCode.OK, (await theirs.GetAsync("/account/profile", Ct)).StatusCode);
        await using (var db = host.OpenDb())
            Assert.True(await db.UserSessions.AnyAsync(s => s.Id == theirSession, Ct));
    }

    [Theory, ClassData(typeof(Providers))]
    public async Task SigningOutEverywhereEndsEverySessionAndACopiedCookieIsWorthless(DatabaseProvider provider)
    {
        await using var host = await KithTestHost.StartAsync(provider);
        await host.CreateUserAsync("agent@example.com", Role.Agent);
        var first = await host.SignedInClientAsync("agent@example.com");
        var second = await host.SignedInClientAsync("agent@example.com");
        var copy = host.Browser();
        copy.DefaultRequestHeaders.Add("Cookie", second.CookieHeader(host.Address));
        Assert.Equal(HttpStatusCode.OK, (await copy.GetAsync("/account/profile", Ct)).StatusCode);

        var everywhere = await CookieSessions.PostFormAsync(first, "/account/profile", "sessions", new Dictionary<string, string> { ["Ending.Id"] = "all" });
        Assert.Equal(HttpStatusCode.Redirect, everywhere.StatusCode);
        Assert.EndsWith("/account/login", everywhere.Headers.Location!.OriginalString);

        foreach (var browser in new[] { first, second, copy })
            Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("/account/profile", Ct)).StatusCode);
        await using var db = host.OpenDb();
        Assert.Equal(0, await db.UserSessions.CountAsync(Ct));
    }

    [Fact]
    public async Task EverySignInStartsANewSessionAndTheCookieOfTheOldOneIsReplayedInVain()
    {
        await using var host = await KithTestHost.StartAsync();
        await host.CreateUserAsync("agent@example.com", Role.Agent);
        var browser = await host.SignedInClientAsync("agent@example.com");
        var before = browser.CookieHeader(host.Address);

        // Signing in again from the same browser (say, after someone else planted their cookie in it) replaces the session.
        var again = await CookieSessions.PostFormAsync(browser, "/account/login", "login",
            new Dictionary<string, string> { ["Input.Email"] = "agent@example.com", ["Input.Password"] = CookieSessions.Password }, formPath: "/account/profile");
        Assert.Equal(HttpStatusCode.Redirect, again.StatusCode);
        var after = browser.CookieHeader(host.Address);
        Assert.NotEqual(before, after);
        var old = host.Browser();
        old.DefaultRequestHeaders.Add("Cookie", before);
        Assert.Equal(HttpStatusCode.Redirect, (await old.GetAsync("/account/profile", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/account/profile", Ct)).StatusCode);

        // After signing out, the cookie of the ended session is refused when replayed.
        var replay = host.Browser();
        replay.DefaultRequestHeaders.Add("Cookie", after);
        await CookieSessions.PostFormAsync(browser, "/account/logout", "logout", new Dictionary<string, string>());
        Assert.Equal(HttpStatusCode.Redirect, (await replay.GetAsync("/account/profile", Ct)).StatusCode);
        await using var db = host.OpenDb();
        Assert.Equal(0, await db.UserSessions.CountAsync(Ct));
    }
}
