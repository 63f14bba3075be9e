using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kith.Tests.Identity;

/// <summary>Two-factor sign-in over HTTP, with real codes computed from the key the page shows, and every way around it tried.</summary>
public sealed partial class TwoFactorTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void TheTestAuthenticatorMatchesTheRfc6238Vectors()
    {
        // RFC 6238 appendix B, SHA-1 key "12345678901234567890": the last six digits of its eight-digit values.
        const string key = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
        Assert.Equal("287082", Authenticator.Code(key, DateTimeOffset.FromUnixTimeSeconds(59)));
        Assert.Equal("081804", Authenticator.Code(key, DateTimeOffset.FromUnixTimeSeconds(1111111109)));
        Assert.Equal("279037", Authenticator.Code(key, DateTimeOffset.FromUnixTimeSeconds(2000000000)));
    }

    [Theory, ClassData(typeof(Providers))]
    public async Task AfterEnrolmentSignInAsksForACodeAndNoPathOpensASessionBeforeIt(DatabaseProvider provider)
    {
        await using var host = await KithTestHost.StartAsync(provider);
        await host.CreateUserAsync("agent@example.com", Role.Agent);
        var (key, codes) = await EnrolAsync(host, "agent@example.com");
        Assert.Equal(10, codes.Count);
        Assert.Equal(10, codes.Distinct().Count());
        await using (var db = host.OpenDb())
        {
            var user = await db.Users.SingleAsync(u => u.Email == "agent@example.com", Ct);
            Assert.NotNull(user.MfaEnabledAt);
            Assert.DoesNotContain(key, user.MfaSecret);
            var hashes = await db.MfaRecoveryCodes.Select(c => c.CodeHash).ToListAsync(Ct);
            Assert.Equal(10, hashes.Count);
            Assert.DoesNotContain(hashes, h => codes.Any(c => h.Contains(c.Replace("-", ""), StringComparison.OrdinalIgnoreCase)));
        }

        var browser = host.Browser();
        var password = await CookieSessions.SubmitLoginAsync(browser, "agent@example.com", CookieSessions.Password);
        Assert.Equal(HttpStatusCode.Redirect, password.StatusCode);
        Assert.Contains("/account/login/code", password.Headers.Location!.OriginalString);
        Assert.False(HasSessionCookie(password), "A session cookie was issued before the second factor.");

        // The half-signed-in browser reaches nothing: not the pages, not token creation, not the API.
        foreach (var path in new[] { "/account/profile", "/account/tokens", "/", "/account/two-factor" })
            Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync(path, Ct)).StatusCode);
        browser.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("/api/v1/tokens", Ct)).StatusCode);
        await using (var db = host.OpenDb())
            Assert.Equal(1, await db.UserSessions.CountAsync(Ct)); // only the browser that enrolled

        var wrong = await SubmitCodeAsync(browser, "000000");
        Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
        Assert.Contains("The code is not correct.", await wrong.Content.ReadAsStringAsync(Ct));
        Assert.False(HasSessionCookie(wrong));

        var right = await SubmitCodeAsync(browser, Authenticator.Next(key));
        Assert.Equal(HttpStatusCode.Redirect, right.StatusCode);
        Assert.True(HasSessionCookie(right));
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/account/profile", Ct)).StatusCode);
        await using (var db = host.OpenDb())
        {
            // The browser that enrolled, and this one: both passed the second factor.
            var sessions = await db.UserSessions.ToListAsync(Ct);
            Assert.Equal(2, sessions.Count);
            Assert.All(sessions, s => Assert.True(s.PassedMfa));
        }
    }

    [Fact]
    public async Task ACodeIsAcceptedOnceAndTheCodeStepWithoutThePasswordStepIsRefused()
    {
        await using var host = await KithTestHost.StartAsync();
        await host.CreateUserAsync("agent@example.com", Role.Agent);
        var (key, _) = await EnrolAsync(host, "agent@example.com");
        var code = Authenticator.Next(key);

        var first = host.Browser();
        await CookieSessions.SubmitLoginAsync(first, "agent@example.com", CookieSessions.Password);
        Assert.Equal(HttpStatusCode.Redirect, (await SubmitCodeAsync(first, code)).StatusCode);

        var replay = host.Browser();
        await CookieSessions.SubmitLoginAsync(replay, "agent@example.com", CookieSessions.Password);
        var again = await SubmitCodeAsync(replay, code);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.False(HasSessionCookie(again), "A used code was accepted a second time.");

        // Straight to the code page without the password step: it sends the browser back to sign in.
        var skipper = host.Browser();
        var page = await skipper.GetAsync("/account/login/code", Ct);
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.EndsWith("/account/login", page.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task ARecoveryCodeSignsInOnceAndWrongCodesAreThrottledWith429()
    {
        await using var host = await KithTestHost.StartAsync();
        await host.CreateUserAsync("agent@example.com", Role.Agent);
        var (_, codes) = await EnrolAsync(host, "agent@example.com");

        var browser = host.Browser();
        await CookieSessions.SubmitLoginAsync(browser, "agent@example.com", CookieSessions.Password);
        var recovered = await SubmitCodeAsync(browser, codes[3].ToUpperInvariant());
        Assert.Equal(HttpStatusCode.Redirect, recovered.StatusCode);
        Assert.True(HasSessionCookie(recovered));

        var again = host.Browser();
        await CookieSessions.SubmitLoginAsync(again, "agent@example.com", CookieSessions.Password);
        var reused = await SubmitCodeAsync(again, codes[3]);
        Assert.False(HasSessionCookie(reused), "A used recovery code was accepted a second time.");
        await using (var db = host.OpenDb())
            Assert.Equal(9, await db.MfaRecoveryCodes.CountAsync(c => c.UsedAt == null, Ct));

        for (var i = 0; i < 4; i++) await SubmitCodeAsync(again, "12345" + i);
        var blocked = await SubmitCodeAsync(again, codes[4]);
        Assert.Equal(HttpStatusCode.TooManyRequests, blocked.StatusCode);
        Assert.True(int.Parse(blocked.Headers.GetValues("Retry-After").Single()) > 0);
        Assert.False(HasSessionCookie(blocked));
        await using (var db = host.OpenDb())
            Assert.Equal(9, await db.MfaRecoveryCodes.CountAsync(c => c.UsedAt == null, Ct));
    }

    [Fact]
    public async Task TheHalfSignedInStateEndsWhenTheUserSignsOutEverywhere()
    {
        await using var host = await KithTestHost.StartAsync();
        var id = await host.CreateUserAsync("agent@example.com", Role.Agent);
        var (key, _) = await EnrolAsync(host, "agent@example.com");
        var halfway = host.Browser();
        await CookieSessions.SubmitLoginAsync(halfway, "agent@example.com", CookieSessions.Password);
        var token = await CookieSessions.FormTokenAsync(halfway, "/account/login/code");

        await using (var scope = host.Services.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<UserSessions>().EndAllAsync(id, Ct);

        var late = await halfway.PostAsync("/account/login/code", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "code", ["__RequestVerificationToken"] = token, ["Input.Code"] = Authenticator.Next(key),
        }), Ct);
        // The page no longer renders its form for this browser, so the post is refused (400 "no such form" or back to sign-in).
        Assert.True(late.StatusCode is HttpStatusCode.BadRequest || late.Headers.Location?.OriginalString.EndsWith("/account/login", StringComparison.Ordinal) == true,
            $"Answered {(int)late.StatusCode} {late.Headers.Location}");
        Assert.False(HasSessionCookie(late));
        await using var db = host.OpenDb();
        Assert.Equal(0, await db.UserSessions.CountAsync(Ct));
    }

    [Fact]
    public async Task TurningTwoFactorOffNeedsThePasswordAndACode()
    {
        await using var host = await KithTestHost.StartAsync();
        await host.CreateUserAsync("agent@example.com", Role.Agent);
        var browser = await host.SignedInClientAsync("agent@example.com");
        var (_, codes) = await EnrolAsync(host, "agent@example.com", browser);

        var noCode = await CookieSessions.PostFormAsync(browser, "/account/two-factor", "disable", new Dictionary<string, string>
        {
            ["Off.Password"] = CookieSessions.Password, ["Off.Code"] = "000000",
        });
        Assert.Equal(HttpStatusCode.BadRequest, noCode.StatusCode);
        var noPassword = await CookieSessions.PostFormAsync(browser, "/account/two-factor", "disable", new Dictionary<string, string>
        {
            ["Off.Password"] = "not my password", ["Off.Code"] = codes[0],
        });
        Assert.Equal(HttpStatusCode.BadRequest, noPassword.StatusCode);
        await using (var db = host.OpenDb())
            Assert.NotNull((await db.Users.SingleAsync(Ct)).MfaEnabledAt);

        var off = await CookieSessions.PostFormAsync(browser, "/account/two-factor", "disable", new Dictionary<string, string>
        {
            ["Off.Password"] = CookieSessions.Password, ["Off.Code"] = codes[1],
        });
        Assert.Equal(HttpStatusCode.Redirect, off.StatusCode);
        await using (var db = host.OpenDb())
        {
            var user = await db.Users.SingleAsync(Ct);
            Assert.Null(user.MfaEnabledAt);
            Assert.Null(user.MfaSecret);
            Assert.Equal(0, await db.MfaRecoveryCodes.CountAsync(Ct));
        }
        await host.SignedInClientAsync("agent@example.com");
    }

    [Theory, ClassData(typeof(Providers))]
    public async Task ARoleThatRequiresTwoFactorMakesItsUsersEnrolAtTheNextSignInBeforeAnythingElse(DatabaseProvider provider)
    {
        await using var host = await KithTestHost.StartAsync(provider);
        var (_, admin) = await host.UserWithClientAsync(Role.Admin);
        var agentId = await host.CreateUserAsync("agent@example.com", Role.Agent);
        var agentApi = await host.ApiClientAsync(agentId);
        Assert.Equal(HttpStatusCode.OK, (await agentApi.GetAsync("/api/v1/tokens", Ct)).StatusCode);

        var put = await admin.PutAsync("/api/v1/roles/agent", new StringContent(
            """{"reach":"team","canCreate":true,"canEdit":true,"canDelete":true,"canAssign":false,"requireMfa":true}""",
            System.Text.Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.True((await put.JsonAsync()).GetProperty("requireMfa").GetBoolean());

        // A token made before the rule no longer opens the API for a user who has not enrolled.
        var refused = await agentApi.GetAsync("/api/v1/tokens", Ct);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("two-factor", await refused.Content.ReadAsStringAsync(Ct));

        var browser = host.Browser();
        var password = await CookieSessions.SubmitLoginAsync(browser, "agent@example.com", CookieSessions.Password);
        Assert.Contains("/account/login/enrol", password.Headers.Location!.OriginalString);
        Assert.False(HasSessionCookie(password));
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("/account/profile", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("/account/tokens", Ct)).StatusCode);

        var key = KeyOf(await browser.GetStringAsync("/account/login/enrol", Ct));
        var confirmed = await CookieSessions.PostFormAsync(browser, "/account/login/enrol", "enrol", new Dictionary<string, string> { ["Input.Code"] = Authenticator.Now(key) });
        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        Assert.True(HasSessionCookie(confirmed));
        Assert.Equal(10, RecoveryCodes(await confirmed.Content.ReadAsStringAsync(Ct)).Count);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/account/profile", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await agentApi.GetAsync("/api/v1/tokens", Ct)).StatusCode);

        // From now on the role's rule keeps two-factor sign-in on.
        var off = await CookieSessions.PostFormAsync(browser, "/account/two-factor", "disable", new Dictionary<string, string>
        {
            ["Off.Password"] = CookieSessions.Password, ["Off.Code"] = Authenticator.Next(key),
        }, formPath: "/account/profile");
        Assert.NotEqual(HttpStatusCode.Redirect, off.StatusCode);
        await using var db = host.OpenDb();
        Assert.NotNull((await db.Users.SingleAsync(u => u.Id == agentId, Ct)).MfaEnabledAt);
    }

    [Fact]
    public async Task OnlyASessionThatPassedTwoFactorMayCreateATokenForAUserWhoHasIt()
    {
        await using var host = await KithTestHost.StartAsync();
        var id = await host.CreateUserAsync("agent@example.com", Role.Agent);
        await using var scope = host.Services.CreateAsyncScope();
        var twoFactor = scope.ServiceProvider.GetRequiredService<TwoFactor>();
        await twoFactor.EnsureMayCreateTokenAsync(id, sessionPassedMfa: false, Ct);

        var key = (await twoFactor.BeginEnrolmentAsync(id, Ct)).Key;
        await twoFactor.ConfirmEnrolmentAsync(id, Authenticator.Now(key), Ct);
        var refused = await Assert.ThrowsAsync<Forbidden>(() => twoFactor.EnsureMayCreateTokenAsync(id, sessionPassedMfa: false, Ct));
        Assert.Contains("two-factor", refused.Message);
        await twoFactor.EnsureMayCreateTokenAsync(id, sessionPassedMfa: true, Ct);
    }

    /// <summary>Turns two-factor sign-in on from the profile page, as the user would; returns the key and the recovery codes.</summary>
    internal static async Task<(string Key, List<string> Codes)> EnrolAsync(KithTestHost host, string email, HttpClient? signedIn = null)
    {
        var browser = signedIn ?? await host.SignedInClientAsync(email);
        var page = await browser.GetStringAsync("/account/two-factor", Ct);
        var key = KeyOf(page);
        Assert.Contains("otpauth://totp/Kith:", WebUtility.HtmlDecode(page));
        Assert.Contains("data:image/png;base64,", page);
        var confirmed = await CookieSessions.PostFormAsync(browser, "/account/two-factor", "confirm", new Dictionary<string, string> { ["On.Code"] = Authenticator.Now(key) });
        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        return (key, RecoveryCodes(await confirmed.Content.ReadAsStringAsync(Ct)));
    }

    internal static Task<HttpResponseMessage> SubmitCodeAsync(HttpClient browser, string code) =>
        CookieSessions.PostFormAsync(browser, "/account/login/code", "code", new Dictionary<string, string> { ["Input.Code"] = code });

    internal static bool HasSessionCookie(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Set-Cookie", out var cookies)
        && cookies.Any(c => c.StartsWith("kith.auth=", StringComparison.Ordinal) && !c.Contains("expires=Thu, 01 Jan 1970", StringComparison.OrdinalIgnoreCase));

    private static string KeyOf(string html)
    {
        var match = KeyField().Match(html);
        Assert.True(match.Success, "The page shows no authenticator key.");
        return match.Groups[1].Value;
    }

    private static List<string> RecoveryCodes(string html)
    {
        var list = Regex.Match(html, """data-test="recovery-codes"[^>]*>(.*?)</ol>""", RegexOptions.Singleline);
        Assert.True(list.Success, "The page shows no recovery codes.");
        return Regex.Matches(list.Groups[1].Value, "<li>([^<]+)</li>").Select(m => m.Groups[1].Value.Trim()).ToList();
    }

    [GeneratedRegex("""data-test="mfa-key"[^>]*>([A-Z2-7]+)<""")]
    private static partial Regex KeyField();
}
