using System.Net;
using System.Text.RegularExpressions;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Tests.Identity;

/// <summary>
/// Signing in through a real OpenID provider (oidc-provider under node), over HTTP as a browser does: who gets in,
/// who is refused and why, and that nothing about the provider's answer can be forged, replayed or used to skip
/// Kith's second factor.
/// </summary>
public sealed class OpenIdSignInTests(OpenIdProvider provider) : IClassFixture<OpenIdProvider>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task APersonKithDoesNotKnowIsRefusedWithAClearPageWhenKithCreatesNoUsers()
    {
        await using var host = await provider.StartKithAsync();
        await host.CreateUserAsync("boss@example.com", Role.Admin);
        var browser = host.Browser();
        var login = await browser.GetStringAsync("/account/login", Ct);
        Assert.Contains("Sign in with Test ID", login);

        var answer = await OpenIdProvider.SignInAsync(browser, "eve");

        await AssertRefusedAsync(browser, answer, "no-account", "No Kith account belongs to your Test ID account.");
        await using var db = host.OpenDb();
        Assert.False(await db.Users.AnyAsync(u => u.Email == "eve@example.com", Ct));
        Assert.Empty(await db.OpenIdLinks.ToListAsync(Ct));
        var failure = await db.AuditEntries.SingleAsync(e => e.Action == "signin.failed", Ct);
        Assert.Contains("\"method\":\"oidc\"", failure.Details);
        Assert.Contains("\"reason\":\"no-account\"", failure.Details);
        Assert.Equal("eve@example.com", failure.ActorEmail);
    }

    [Theory, ClassData(typeof(Providers))]
    public async Task APersonKithDoesNotKnowIsCreatedWithTheConfiguredRoleWhenTheOperatorAllowsIt(DatabaseProvider database)
    {
        await using var host = await provider.StartKithAsync(database, createUsersAs: Role.Viewer);
        await host.CreateUserAsync("boss@example.com", Role.Admin);
        var browser = host.Browser();

        var answer = await OpenIdProvider.SignInAsync(browser, "eve", returnUrl: "/customers");

        Assert.Equal(HttpStatusCode.Redirect, answer.StatusCode);
        Assert.Equal("/customers", answer.Headers.Location!.OriginalString);
        Assert.True(TwoFactorTests.HasSessionCookie(answer));
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/account/profile", Ct)).StatusCode);
        await using var db = host.OpenDb();
        var user = await db.Users.SingleAsync(u => u.Email == "eve@example.com", Ct);
        Assert.Equal(Role.Viewer, user.Role);
        Assert.Equal("Eve Newcomer", user.DisplayName);
        Assert.Equal("", user.PasswordHash);
        var link = await db.OpenIdLinks.SingleAsync(Ct);
        Assert.Equal((provider.Issuer, "eve", user.Id), (link.Issuer, link.Subject, link.UserId));
        var actions = await db.AuditEntries.OrderBy(e => e.Id).Select(e => new { e.Action, e.Details }).ToListAsync(Ct);
        Assert.Contains(actions, a => a.Action == "user.created" && a.Details!.Contains("\"method\":\"oidc\""));
        Assert.Contains(actions, a => a.Action == "signin.succeeded" && a.Details == "{\"method\":\"oidc\"}");
        // Without a password the account opens only through the provider.
        var password = await CookieSessions.SubmitLoginAsync(host.Browser(), "eve@example.com", CookieSessions.Password);
        Assert.Equal(HttpStatusCode.OK, password.StatusCode);
    }

    [Fact]
    public async Task AVerifiedEmailLinksTheKithUserOnceAndTheLinkDecidesFromThenOn()
    {
        await using var host = await provider.StartKithAsync();
        var ada = await host.CreateUserAsync("ada@example.com", Role.Agent);

        var first = await OpenIdProvider.SignInAsync(host.Browser(), "ada");
        Assert.Equal(HttpStatusCode.Redirect, first.StatusCode);
        Assert.True(TwoFactorTests.HasSessionCookie(first));
        await using (var db = host.OpenDb())
        {
            var link = await db.OpenIdLinks.SingleAsync(Ct);
            Assert.Equal((provider.Issuer, "ada", ada), (link.Issuer, link.Subject, link.UserId));
            // Kith's user changes their email; the provider still says ada@example.com, and someone else now has it.
            await db.Users.Where(u => u.Id == ada).ExecuteUpdateAsync(u => u.SetProperty(x => x.Email, "ada.lovelace@example.com"), Ct);
        }
        var other = await host.CreateUserAsync("ada@example.com", Role.Agent);

        var again = await OpenIdProvider.SignInAsync(host.Browser(), "ada");
        Assert.True(TwoFactorTests.HasSessionCookie(again));
        await using (var db = host.OpenDb())
        {
            Assert.Equal([ada, ada], await db.UserSessions.OrderBy(s => s.Id).Select(s => s.UserId).ToListAsync(Ct));
            Assert.Equal(1, await db.OpenIdLinks.CountAsync(Ct));
            Assert.False(await db.UserSessions.AnyAsync(s => s.UserId == other, Ct));
        }
    }

    [Fact]
    public async Task AnEmailTheProviderHasNotVerifiedLinksNobodyAndCreatesNobody()
    {
        await using var host = await provider.StartKithAsync(createUsersAs: Role.Agent);
        await host.CreateUserAsync("ben@example.com", Role.Admin);
        var browser = host.Browser();

        var answer = await OpenIdProvider.SignInAsync(browser, "ben");

        await AssertRefusedAsync(browser, answer, "email-not-verified", "Test ID has not confirmed your email address");
        await using var db = host.OpenDb();
        Assert.Empty(await db.OpenIdLinks.ToListAsync(Ct));
        Assert.Equal(1, await db.Users.CountAsync(Ct));
    }

    [Fact]
    public async Task AnOperatorWhoVouchesForTheProvidersEmailsLetsAnUnverifiedOneLink()
    {
        await using var host = await provider.StartKithAsync(configure: o => o with { TrustProviderEmails = true });
        var ben = await host.CreateUserAsync("ben@example.com", Role.Agent);

        Assert.True(TwoFactorTests.HasSessionCookie(await OpenIdProvider.SignInAsync(host.Browser(), "ben")));
        await using var db = host.OpenDb();
        Assert.Equal(ben, (await db.OpenIdLinks.SingleAsync(Ct)).UserId);
    }

    [Fact]
    public async Task ADisabledUserIsRefusedWhetherFoundByEmailOrByLink()
    {
        await using var host = await provider.StartKithAsync(createUsersAs: Role.Agent);
        var dee = await host.CreateUserAsync("dee@example.com", Role.Agent);
        var linked = await OpenIdProvider.SignInAsync(host.Browser(), "dee");
        Assert.True(TwoFactorTests.HasSessionCookie(linked));
        await using (var db = host.OpenDb())
        {
            await db.Users.Where(u => u.Id == dee).ExecuteUpdateAsync(u => u.SetProperty(x => x.IsDisabled, true), Ct);
            await db.UserSessions.ExecuteDeleteAsync(Ct);
        }
        var byLink = host.Browser();
        await AssertRefusedAsync(byLink, await OpenIdProvider.SignInAsync(byLink, "dee"), "disabled", "Your Kith account is disabled.");

        await using (var db = host.OpenDb()) await db.OpenIdLinks.ExecuteDeleteAsync(Ct);
        var byEmail = host.Browser();
        await AssertRefusedAsync(byEmail, await OpenIdProvider.SignInAsync(byEmail, "dee"), "disabled", "Your Kith account is disabled.");
        await using (var db = host.OpenDb())
        {
            Assert.Empty(await db.OpenIdLinks.ToListAsync(Ct));
            Assert.Equal(1, await db.Users.CountAsync(Ct)); // not created anew either
        }
    }

    [Fact]
    public async Task ATamperedStateOrAReplayedCallbackOpensNoSession()
    {
        await using var host = await provider.StartKithAsync();
        await host.CreateUserAsync("ada@example.com", Role.Agent);

        var forger = host.Browser();
        var callback = await OpenIdProvider.SignInAtProviderAsync(forger, "ada");
        var state = Regex.Match(callback.Query, "[?&]state=([^&]+)").Groups[1].Value;
        var tampered = new Uri(callback.GetLeftPart(UriPartial.Path) + callback.Query.Replace(state, state[..^4] + (state[^4..] == "AAAA" ? "BBBB" : "AAAA")));
        await AssertRefusedAsync(forger, await forger.GetAsync(tampered, Ct), "failed", "Signing in with Test ID did not work.");

        var browser = host.Browser();
        callback = await OpenIdProvider.SignInAtProviderAsync(browser, "ada");
        Assert.True(TwoFactorTests.HasSessionCookie(await browser.GetAsync(callback, Ct)));
        // The same answer again, from the browser it was meant for and from another one: both refused.
        var again = await browser.GetAsync(callback, Ct);
        Assert.Equal("/account/login?oidc=failed", again.Headers.Location!.OriginalString);
        Assert.False(TwoFactorTests.HasSessionCookie(again));
        var thief = host.Browser();
        await AssertRefusedAsync(thief, await thief.GetAsync(callback, Ct), "failed", "did not work");
        await using var db = host.OpenDb();
        Assert.Equal(1, await db.UserSessions.CountAsync(Ct));
        Assert.Equal(3, await db.AuditEntries.CountAsync(e => e.Action == "signin.failed" && e.Details!.Contains("\"method\":\"oidc\""), Ct));
    }

    [Theory, ClassData(typeof(Providers))]
    public async Task ARoleThatRequiresTwoFactorSignInIsNotBypassedThroughTheProvider(DatabaseProvider database)
    {
        await using var host = await provider.StartKithAsync(database);
        await host.CreateUserAsync("ada@example.com", Role.Agent);
        var cy = await host.CreateUserAsync("cy@example.com", Role.Agent);
        var (key, _) = await TwoFactorTests.EnrolAsync(host, "cy@example.com");
        await RequireTwoFactorForAgentsAsync(host);
        await using (var db = host.OpenDb()) await db.UserSessions.ExecuteDeleteAsync(Ct);

        // Not enrolled: the provider's word (even "otp") does not count, so Kith's enrolment comes first.
        var ada = host.Browser();
        var enrol = await OpenIdProvider.SignInAsync(ada, "ada", secondFactor: true);
        Assert.StartsWith("/account/login/enrol", enrol.Headers.Location!.OriginalString);
        Assert.False(TwoFactorTests.HasSessionCookie(enrol));
        Assert.Equal(HttpStatusCode.Redirect, (await ada.GetAsync("/account/profile", Ct)).StatusCode);

        // Enrolled: Kith's code, and the session starts only after it.
        var browser = host.Browser();
        var code = await OpenIdProvider.SignInAsync(browser, "cy");
        Assert.StartsWith("/account/login/code", code.Headers.Location!.OriginalString);
        Assert.False(TwoFactorTests.HasSessionCookie(code));
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("/account/profile", Ct)).StatusCode);
        await using (var db = host.OpenDb()) Assert.Equal(0, await db.UserSessions.CountAsync(Ct));
        var verified = await TwoFactorTests.SubmitCodeAsync(browser, Authenticator.Next(key));
        Assert.True(TwoFactorTests.HasSessionCookie(verified));
        await using (var db = host.OpenDb())
        {
            var session = await db.UserSessions.SingleAsync(Ct);
            Assert.Equal(cy, session.UserId);
            Assert.True(session.PassedMfa);
            var succeeded = await db.AuditEntries.Where(e => e.Action == "signin.succeeded").OrderBy(e => e.Id).Select(e => e.Details).ToListAsync(Ct);
            Assert.Equal("{\"method\":\"oidc\"}", succeeded[^1]);
        }
    }

    [Fact]
    public async Task WithTrustInTheProvidersSecondFactorOnlyAnAmrThatNamesOneCounts()
    {
        await using var host = await provider.StartKithAsync(trustMfa: true);
        await RequireTwoFactorForAgentsAsync(host);
        await host.CreateUserAsync("ada@example.com", Role.Agent);

        var passwordOnly = await OpenIdProvider.SignInAsync(host.Browser(), "ada");
        Assert.StartsWith("/account/login/enrol", passwordOnly.Headers.Location!.OriginalString);
        Assert.False(TwoFactorTests.HasSessionCookie(passwordOnly));

        var withOtp = await OpenIdProvider.SignInAsync(host.Browser(), "ada", secondFactor: true);
        Assert.Equal("/", withOtp.Headers.Location!.OriginalString);
        Assert.True(TwoFactorTests.HasSessionCookie(withOtp));
        await using var db = host.OpenDb();
        Assert.True((await db.UserSessions.SingleAsync(Ct)).PassedMfa);
    }

    [Fact]
    public async Task AnOpenIdSessionIsListedOnTheProfileAndEndedBySigningOutEverywhere()
    {
        await using var host = await provider.StartKithAsync();
        await host.CreateUserAsync("ada@example.com", Role.Agent);
        var laptop = host.Browser();
        await OpenIdProvider.SignInAsync(laptop, "ada");
        var phone = host.Browser();
        Assert.True(TwoFactorTests.HasSessionCookie(await OpenIdProvider.SignInAsync(phone, "ada")));

        var page = await laptop.GetStringAsync("/account/profile", Ct);
        Assert.Equal(2, Regex.Matches(page, "data-test=\"session\"").Count);

        var everywhere = await CookieSessions.PostFormAsync(laptop, "/account/profile", "sessions", new Dictionary<string, string> { ["Ending.Id"] = "all" });
        Assert.Equal(HttpStatusCode.Redirect, everywhere.StatusCode);
        foreach (var browser in new[] { laptop, phone })
            Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("/account/profile", Ct)).StatusCode);
        await using var db = host.OpenDb();
        Assert.Equal(0, await db.UserSessions.CountAsync(Ct));
    }

    [Fact]
    public async Task WithoutOpenIdConfiguredThereIsNoButtonAndNoCallback()
    {
        await using var host = await KithTestHost.StartAsync();
        await host.CreateUserAsync("boss@example.com", Role.Admin);
        var browser = host.Browser();
        Assert.DoesNotContain("sign-in-oidc", await browser.GetStringAsync("/account/login", Ct));
        Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync("/account/login/oidc", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync("/signin-oidc?code=x&state=y", Ct)).StatusCode);
    }

    private static async Task RequireTwoFactorForAgentsAsync(KithTestHost host)
    {
        await using var db = host.OpenDb();
        if (!await db.RolePolicies.AnyAsync(p => p.Role == Role.Agent, Ct))
            db.RolePolicies.Add(new RolePolicy { Role = Role.Agent, Reach = RecordReach.Own, CanCreate = true, CanEdit = true });
        await db.SaveChangesAsync(Ct);
        await db.RolePolicies.Where(p => p.Role == Role.Agent).ExecuteUpdateAsync(p => p.SetProperty(x => x.RequireMfa, true), Ct);
    }

    /// <summary>Kith sent the browser back to its sign-in page with the reason, which the page says in words; no session.</summary>
    private static async Task AssertRefusedAsync(HttpClient browser, HttpResponseMessage answer, string reason, string words)
    {
        Assert.Equal(HttpStatusCode.Redirect, answer.StatusCode);
        Assert.Equal("/account/login?oidc=" + reason, answer.Headers.Location!.OriginalString);
        Assert.False(TwoFactorTests.HasSessionCookie(answer));
        var page = await browser.GetStringAsync(answer.Headers.Location.OriginalString, Ct);
        Assert.Contains(words, WebUtility.HtmlDecode(page));
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("/account/profile", Ct)).StatusCode);
    }
}
