using System.Net;
using Kith.Core.Identity;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Tests.Identity;

public sealed class SignInTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SetupPageExistsOnlyWhileThereIsNoUserAndCreatesASignedInAdministrator()
    {
        await using var host = await KithTestHost.StartAsync();
        var browser = host.Browser();
        var page = await browser.GetAsync("/account/setup", Ct);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);

        var weak = await CookieSessions.PostFormAsync(browser, "/account/setup", "setup", SetupFields("first@example.com", "password1"));
        Assert.Equal(HttpStatusCode.BadRequest, weak.StatusCode);
        Assert.Contains("too common", await weak.Content.ReadAsStringAsync(Ct));

        var created = await CookieSessions.PostFormAsync(browser, "/account/setup", "setup", SetupFields("First@Example.com", CookieSessions.Password));
        Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        var home = await browser.GetAsync("/account/profile", Ct);
        Assert.Equal(HttpStatusCode.OK, home.StatusCode);
        Assert.Contains("first@example.com", await home.Content.ReadAsStringAsync(Ct));

        await using (var db = host.OpenDb())
            Assert.Equal(Role.Admin, Assert.Single(db.Users).Role);

        Assert.Equal(HttpStatusCode.NotFound, (await host.Browser().GetAsync("/account/setup", Ct)).StatusCode);
    }

    [Fact]
    public async Task SetupRefusesASecondAdministratorEvenFromAFormOpenedBeforeTheFirst()
    {
        await using var host = await KithTestHost.StartAsync();
        var late = host.Browser();
        var token = await CookieSessions.FormTokenAsync(late, "/account/setup");
        await host.CreateUserAsync("owner@example.com", Role.Admin);
        var fields = new Dictionary<string, string>(SetupFields("intruder@example.com", CookieSessions.Password))
        {
            ["_handler"] = "setup", ["__RequestVerificationToken"] = token,
        };
        var response = await late.PostAsync("/account/setup", new FormUrlEncodedContent(fields), Ct);
        // The page no longer renders its form, so the post is refused (404 or 400 "no such form"), never a redirect.
        Assert.True(response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.BadRequest, $"Answered {(int)response.StatusCode}");
        await using var db = host.OpenDb();
        Assert.DoesNotContain(db.Users, u => u.Email == "intruder@example.com");
    }

    [Fact]
    public async Task ASignedInBrowserReachesAProtectedPageAndAnAnonymousOneIsSentToSignIn()
    {
        await using var host = await KithTestHost.StartAsync();
        await host.CreateUserAsync("agent@example.com", Role.Agent);

        var anonymous = await host.Browser().GetAsync("/account/profile", Ct);
        Assert.Equal(HttpStatusCode.Redirect, anonymous.StatusCode);
        Assert.StartsWith("/account/login", anonymous.Headers.Location!.OriginalString.Replace(host.Address.ToString(), "/"));

        var browser = await host.SignedInClientAsync("agent@example.com");
        var profile = await browser.GetAsync("/account/profile", Ct);
        Assert.Equal(HttpStatusCode.OK, profile.StatusCode);
        Assert.Contains("agent@example.com", await profile.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task TheSignInCookieIsHttpOnlyAndSameSite()
    {
        await using var host = await KithTestHost.StartAsync();
        await host.CreateUserAsync("agent@example.com", Role.Agent);
        var response = await CookieSessions.SubmitLoginAsync(host.Browser(), "agent@example.com", CookieSessions.Password);
        var cookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("kith.auth=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", cookie, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task SignInWithoutTheAntiforgeryTokenIsRefused()
    {
        await using var host = await KithTestHost.StartAsync();
        await host.CreateUserAsync("agent@example.com", Role.Agent);
        var response = await host.Browser().PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login", ["Input.Email"] = "agent@example.com", ["Input.Password"] = CookieSessions.Password,
        }), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.DoesNotContain(response.Headers, h => h.Key == "Set-Cookie" && h.Value.Any(v => v.StartsWith("kith.auth=", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task AWrongPasswordAndAnUnknownAccountGetTheSameAnswer()
    {
        await using var host = await KithTestHost.StartAsync();
        await host.CreateUserAsync("agent@example.com", Role.Agent);
        var wrong = await CookieSessions.SubmitLoginAsync(host.Browser(), "agent@example.com", "not the password at all");
        var unknown = await CookieSessions.SubmitLoginAsync(host.Browser(), "nobody@example.com", "not the password at all");
        Assert.Equal(wrong.StatusCode, unknown.StatusCode);
        var wrongText = ErrorText(await wrong.Content.ReadAsStringAsync(Ct));
        Assert.Equal(wrongText, ErrorText(await unknown.Content.ReadAsStringAsync(Ct)));
        Assert.Contains("not correct", wrongText);
    }

    [Fact]
    public async Task RepeatedFailuresOnOneAccountAnswer429WithRetryAfterEvenForTheRightPassword()
    {
        await using var host = await KithTestHost.StartAsync();
        await host.CreateUserAsync("agent@example.com", Role.Agent);
        var browser = host.Browser();
        for (var i = 0; i < 5; i++)
            Assert.Equal(HttpStatusCode.OK, (await CookieSessions.SubmitLoginAsync(browser, "agent@example.com", "guess number " + i)).StatusCode);

        var blocked = await CookieSessions.SubmitLoginAsync(browser, "agent@example.com", CookieSessions.Password);
        Assert.Equal(HttpStatusCode.TooManyRequests, blocked.StatusCode);
        Assert.True(int.Parse(blocked.Headers.GetValues("Retry-After").Single()) > 0);
        Assert.Contains("Too many failed sign-ins", await blocked.Content.ReadAsStringAsync(Ct));
        Assert.DoesNotContain(blocked.Headers, h => h.Key == "Set-Cookie" && h.Value.Any(v => v.StartsWith("kith.auth=", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task AnUnknownAccountIsThrottledLikeAKnownOne()
    {
        await using var host = await KithTestHost.StartAsync();
        await host.CreateUserAsync("agent@example.com", Role.Agent);
        var browser = host.Browser();
        for (var i = 0; i < 5; i++) await CookieSessions.SubmitLoginAsync(browser, "ghost@example.com", "guess number " + i);
        var blocked = await CookieSessions.SubmitLoginAsync(browser, "ghost@example.com", "guess number 6");
        Assert.Equal(HttpStatusCode.TooManyRequests, blocked.StatusCode);
        Assert.True(blocked.Headers.Contains("Retry-After"));
    }

    [Fact]
    public async Task ManyFailuresFromOneAddressAcrossAccountsAreThrottled()
    {
        await using var host = await KithTestHost.StartAsync();
        await host.CreateUserAsync("agent@example.com", Role.Agent);
        var browser = host.Browser();
        for (var i = 0; i < 20; i++) await CookieSessions.SubmitLoginAsync(browser, $"spray{i}@example.com", "password guess " + i);
        var blocked = await CookieSessions.SubmitLoginAsync(browser, "agent@example.com", CookieSessions.Password);
        Assert.Equal(HttpStatusCode.TooManyRequests, blocked.StatusCode);
    }

    [Fact]
    public async Task TheReturnUrlIsFollowedOnlyWhenItIsLocal()
    {
        await using var host = await KithTestHost.StartAsync();
        await host.CreateUserAsync("agent@example.com", Role.Agent);
        var local = await CookieSessions.SubmitLoginAsync(host.Browser(), "agent@example.com", CookieSessions.Password,
            "/account/login?ReturnUrl=%2Faccount%2Ftokens");
        Assert.EndsWith("/account/tokens", local.Headers.Location!.OriginalString);
        foreach (var evil in new[] { "https://evil.example/", "//evil.example/", "/\\evil.example/" })
        {
            var response = await CookieSessions.SubmitLoginAsync(host.Browser(), "agent@example.com", CookieSessions.Password,
                "/account/login?ReturnUrl=" + Uri.EscapeDataString(evil));
            var location = response.Headers.Location!;
            Assert.True(!location.IsAbsoluteUri || location.Host == host.Address.Host, $"{evil} led to {location}");
            Assert.DoesNotContain("evil", location.OriginalString);
        }
    }

    [Fact]
    public async Task SigningOutEndsTheSessionAndACopiedCookieStopsWorking()
    {
        await using var host = await KithTestHost.StartAsync();
        await host.CreateUserAsync("agent@example.com", Role.Agent);
        var browser = await host.SignedInClientAsync("agent@example.com");
        var copy = host.Browser();
        copy.DefaultRequestHeaders.Add("Cookie", browser.CookieHeader(host.Address));

        var signOut = await CookieSessions.PostFormAsync(browser, "/account/logout", "logout", new Dictionary<string, string>());
        Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);

        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("/account/profile", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await copy.GetAsync("/account/profile", Ct)).StatusCode);
    }

    [Fact]
    public async Task ADisabledUsersCookieAndTokenAreRefusedAtOnce()
    {
        await using var host = await KithTestHost.StartAsync();
        var (adminId, admin) = await host.UserWithClientAsync(Role.Admin);
        var agentId = await host.CreateUserAsync("agent@example.com", Role.Agent);
        var browser = await host.SignedInClientAsync("agent@example.com");
        var api = await host.ApiClientAsync(agentId);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/account/profile", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/api/v1/tokens", Ct)).StatusCode);

        var patch = await admin.PatchAsync($"/api/v1/users/{agentId}", JsonContent(new { disabled = true }), Ct);
        Assert.Equal(HttpStatusCode.OK, patch.StatusCode);

        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("/account/profile", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.GetAsync("/api/v1/tokens", Ct)).StatusCode);
        var again = await CookieSessions.SubmitLoginAsync(host.Browser(), "agent@example.com", CookieSessions.Password);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Contains("not correct", await again.Content.ReadAsStringAsync(Ct));
        Assert.NotEqual(0, adminId);
    }

    [Fact]
    public async Task ChangingARoleEndsTheUsersBrowserSessions()
    {
        await using var host = await KithTestHost.StartAsync();
        var (_, admin) = await host.UserWithClientAsync(Role.Admin);
        var agentId = await host.CreateUserAsync("agent@example.com", Role.Agent);
        var browser = await host.SignedInClientAsync("agent@example.com");
        var patch = await admin.PatchAsync($"/api/v1/users/{agentId}", JsonContent(new { role = "manager" }), Ct);
        Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("/account/profile", Ct)).StatusCode);
    }

    [Fact]
    public async Task SwitchingTheLanguageReissuesTheCookieSoTheNextPageIsInChinese()
    {
        await using var host = await KithTestHost.StartAsync();
        await host.CreateUserAsync("agent@example.com", Role.Agent);
        var browser = await host.SignedInClientAsync("agent@example.com");
        var saved = await CookieSessions.PostFormAsync(browser, "/account/profile", "profile", new Dictionary<string, string>
        {
            ["Details.DisplayName"] = "阿珍", ["Details.Language"] = "zh-Hans",
        });
        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        var page = WebUtility.HtmlDecode(await browser.GetStringAsync("/account/profile", Ct));
        Assert.Contains("修改密码", page);
        await using var db = host.OpenDb();
        var user = db.Users.Single(u => u.Email == "agent@example.com");
        Assert.Equal("zh-Hans", user.Language);
        Assert.Equal("阿珍", user.DisplayName);
    }

    [Fact]
    public async Task ChangingTheOwnPasswordNeedsTheCurrentOneAndKeepsThisBrowserSignedIn()
    {
        await using var host = await KithTestHost.StartAsync();
        await host.CreateUserAsync("agent@example.com", Role.Agent);
        var browser = await host.SignedInClientAsync("agent@example.com");
        var other = await host.SignedInClientAsync("agent@example.com");

        var wrong = await CookieSessions.PostFormAsync(browser, "/account/profile", "password", PasswordFields("not my password", "a brand new pass phrase"));
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        Assert.Contains("current password is not correct", await wrong.Content.ReadAsStringAsync(Ct));

        var weak = await CookieSessions.PostFormAsync(browser, "/account/profile", "password", PasswordFields(CookieSessions.Password, "qwerty123"));
        Assert.Equal(HttpStatusCode.BadRequest, weak.StatusCode);

        var changed = await CookieSessions.PostFormAsync(browser, "/account/profile", "password", PasswordFields(CookieSessions.Password, "a brand new pass phrase"));
        Assert.Equal(HttpStatusCode.Redirect, changed.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/account/profile", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await other.GetAsync("/account/profile", Ct)).StatusCode);
        await using (var db = host.OpenDb())
            Assert.Equal(1, await db.UserSessions.CountAsync(Ct));
        await host.SignedInClientAsync("agent@example.com", "a brand new pass phrase");
    }

    [Fact]
    public async Task AnonymousVisitorsChooseTheirLanguageWithACultureCookie()
    {
        await using var host = await KithTestHost.StartAsync();
        await host.CreateUserAsync("agent@example.com", Role.Agent);
        var browser = host.Browser();
        var switched = await browser.GetAsync("/account/language?lang=zh-Hans&returnUrl=%2Faccount%2Flogin", Ct);
        Assert.Equal(HttpStatusCode.Redirect, switched.StatusCode);
        Assert.Contains("登录", WebUtility.HtmlDecode(await browser.GetStringAsync("/account/login", Ct)));
        var away = await browser.GetAsync("/account/language?lang=en&returnUrl=https%3A%2F%2Fevil.example", Ct);
        Assert.DoesNotContain("evil", away.Headers.Location!.OriginalString);
    }

    private static Dictionary<string, string> SetupFields(string email, string password) => new()
    {
        ["Input.Email"] = email, ["Input.DisplayName"] = "First", ["Input.Password"] = password, ["Input.Confirm"] = password,
    };

    private static Dictionary<string, string> PasswordFields(string current, string next) => new()
    {
        ["Secret.Current"] = current, ["Secret.New"] = next, ["Secret.Confirm"] = next,
    };

    private static StringContent JsonContent(object body) =>
        new(System.Text.Json.JsonSerializer.Serialize(body, KithTestHost.Json), System.Text.Encoding.UTF8, "application/json");

    private static string ErrorText(string html)
    {
        var match = System.Text.RegularExpressions.Regex.Match(html, "data-test=\"login-error\"[^>]*>([^<]*)<");
        Assert.True(match.Success, "The page shows no sign-in error.");
        return match.Groups[1].Value;
    }
}
