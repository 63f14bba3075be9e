using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Kith.Core.Audit;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Tests.Feedback;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace Kith.Tests.Identity;

/// <summary>Password reset by email over HTTP, with the links taken from mail a real SMTP server received.</summary>
public sealed partial class PasswordResetTests
{
    private const string NewPassword = "violet tram under the bridge";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, ClassData(typeof(Providers))]
    public async Task ALinkArrivesInTheUsersLanguageSetsANewPasswordOnceAndEndsEverySession(DatabaseProvider provider)
    {
        await using var smtp = new SmtpSink("kith@company.example", "smtp-pw");
        await using var host = await StartWithMailAsync(provider, smtp);
        var userId = await host.CreateUserAsync("mei@example.com", Role.Agent);
        await using (var db = host.OpenDb())
            await db.Users.Where(u => u.Id == userId).ExecuteUpdateAsync(u => u.SetProperty(x => x.Language, "zh-Hans"), Ct);
        var signedInElsewhere = await host.SignedInClientAsync("mei@example.com");

        var login = await host.Browser().GetStringAsync("/account/login", Ct);
        Assert.Contains("href=\"/account/forgot\"", login);
        var asked = await RequestAsync(host.Browser(), "Mei@Example.com");
        Assert.Equal(HttpStatusCode.OK, asked.StatusCode);

        var mail = Assert.Single(await MailsAsync(smtp, 1));
        Assert.Equal("mei@example.com", mail.To.Mailboxes.Single().Address);
        Assert.Equal("重置您的 Kith 密码", mail.Subject);
        Assert.Contains("https://crm.company.example/account/reset/", mail.TextBody);
        var token = TokenIn(mail);
        Assert.True(token.Length >= 43, "256 random bits need 43 base64url characters.");
        await using (var db = host.OpenDb())
        {
            var stored = await db.PasswordResetTokens.SingleAsync(Ct);
            Assert.Equal(userId, stored.UserId);
            Assert.NotEqual(token, stored.TokenHash);
            Assert.Equal(ApiTokens.Hash(token), stored.TokenHash);
        }

        // Opening the link (as a mail scanner would) uses nothing up.
        var browser = host.Browser();
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync($"/account/reset/{token}", Ct)).StatusCode);
        var weak = await SetPasswordAsync(browser, token, "password1");
        Assert.Equal(HttpStatusCode.BadRequest, weak.StatusCode);
        var done = await SetPasswordAsync(browser, token, NewPassword);
        Assert.Equal(HttpStatusCode.Redirect, done.StatusCode);
        Assert.EndsWith("/account/login?reset=done", done.Headers.Location!.OriginalString);
        Assert.False(TwoFactorTests.HasSessionCookie(done));

        // The old password is gone, every session ended, and the new password signs in.
        Assert.Equal(HttpStatusCode.OK, (await CookieSessions.SubmitLoginAsync(host.Browser(), "mei@example.com", CookieSessions.Password)).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await signedInElsewhere.GetAsync("/account/profile", Ct)).StatusCode);
        await host.SignedInClientAsync("mei@example.com", NewPassword);

        // The same link a second time: refused, and the password stays.
        Assert.Equal(HttpStatusCode.NotFound, (await host.Browser().GetAsync($"/account/reset/{token}", Ct)).StatusCode);
        var again = await SetPasswordAsync(host.Browser(), token, "another long pass phrase", formPath: "/account/login");
        Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);
        Assert.Contains("no longer works", await again.Content.ReadAsStringAsync(Ct));
        await host.SignedInClientAsync("mei@example.com", NewPassword);

        await using (var db = host.OpenDb())
        {
            var actions = await db.AuditEntries.Where(e => e.Action.StartsWith("passwordReset.")).OrderBy(e => e.Sequence)
                .Select(e => new { e.Action, e.TargetId }).ToListAsync(Ct);
            Assert.Equal(
                [AuditActions.PasswordResetRequested, AuditActions.PasswordResetCompleted, AuditActions.PasswordResetRefused],
                actions.Select(a => a.Action));
            Assert.All(actions.Take(2), a => Assert.Equal(userId.ToString(), a.TargetId));
            Assert.Empty(await db.PasswordResetTokens.ToListAsync(Ct));
        }
    }

    [Fact]
    public async Task KnownUnknownAndDisabledAddressesGetTheSameAnswerAndOnlyTheEnabledUserGetsMail()
    {
        await using var smtp = new SmtpSink("kith@company.example", "smtp-pw");
        await using var host = await StartWithMailAsync(DatabaseProvider.Sqlite, smtp);
        var known = await host.CreateUserAsync("known@example.com", Role.Agent);
        var disabled = await host.CreateUserAsync("gone@example.com", Role.Agent);
        await using (var db = host.OpenDb())
            await db.Users.Where(u => u.Id == disabled).ExecuteUpdateAsync(u => u.SetProperty(x => x.IsDisabled, true), Ct);

        var answers = new List<(HttpStatusCode Status, string Text)>();
        foreach (var email in new[] { "nobody@example.com", "gone@example.com", "known@example.com" })
        {
            var response = await RequestAsync(host.Browser(), email);
            answers.Add((response.StatusCode, AnswerText(await response.Content.ReadAsStringAsync(Ct))));
        }
        Assert.Single(answers.Distinct());
        Assert.Equal(HttpStatusCode.OK, answers[0].Status);
        Assert.Contains("If an account exists", answers[0].Text);

        // One sender works through the requests in order: when the known user's mail is in, the others were handled.
        var mail = Assert.Single(await MailsAsync(smtp, 1));
        Assert.Equal("known@example.com", mail.To.Mailboxes.Single().Address);
        Assert.Equal("Reset your Kith password", mail.Subject);
        await using (var db = host.OpenDb())
        {
            Assert.Equal([known], await db.PasswordResetTokens.Select(t => t.UserId).ToListAsync(Ct));
            var requested = await db.AuditEntries.Where(e => e.Action == AuditActions.PasswordResetRequested).ToListAsync(Ct);
            Assert.Equal([disabled.ToString(), known.ToString()], requested.OrderBy(e => e.Sequence).Select(e => e.TargetId));
            // No trace of the unknown address anywhere in the trail.
            Assert.DoesNotContain(await db.AuditEntries.ToListAsync(Ct), e => (e.Details ?? "").Contains("nobody@") || (e.ActorEmail ?? "").Contains("nobody@"));
        }
    }

    [Fact]
    public async Task ExpiredVoidedAndOtherUsersLinksAreRefusedAndAnAdministratorCanSendOne()
    {
        await using var smtp = new SmtpSink("kith@company.example", "smtp-pw");
        await using var host = await StartWithMailAsync(DatabaseProvider.Sqlite, smtp);
        var (adminId, admin) = await host.UserWithClientAsync(Role.Admin, "boss@company.example");
        var ann = await host.CreateUserAsync("ann@example.com", Role.Agent);
        var bob = await host.CreateUserAsync("bob@example.com", Role.Agent);
        var (_, agent) = await host.UserWithClientAsync(Role.Agent);

        // A newer link voids the earlier one.
        await RequestAsync(host.Browser(), "ann@example.com");
        var first = TokenIn((await MailsAsync(smtp, 1))[0]);
        var sent = await admin.PostAsync($"/api/v1/users/{ann}/password-reset", null, Ct);
        Assert.Equal(HttpStatusCode.OK, sent.StatusCode);
        Assert.Equal("ann@example.com", (await sent.JsonAsync()).GetProperty("sentTo").GetString());
        var second = TokenIn((await MailsAsync(smtp, 2))[1]);
        Assert.Equal(HttpStatusCode.BadRequest, (await SetPasswordAsync(host.Browser(), first, NewPassword, formPath: "/account/login")).StatusCode);

        // Past its 30 minutes a link is refused.
        await using (var db = host.OpenDb())
            await db.PasswordResetTokens.ExecuteUpdateAsync(t => t.SetProperty(x => x.ExpiresAt, DateTime.UtcNow.AddSeconds(-1)), Ct);
        Assert.Equal(HttpStatusCode.NotFound, (await host.Browser().GetAsync($"/account/reset/{second}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await SetPasswordAsync(host.Browser(), second, NewPassword, formPath: "/account/login")).StatusCode);

        // Signing out everywhere (a new security stamp) voids a link, as a password change does.
        await admin.PostAsync($"/api/v1/users/{ann}/password-reset", null, Ct);
        var third = TokenIn((await MailsAsync(smtp, 3))[2]);
        await using (var scope = host.Services.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<UserSessions>().EndAllAsync(ann, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, (await SetPasswordAsync(host.Browser(), third, NewPassword, formPath: "/account/login")).StatusCode);
        await admin.PostAsync($"/api/v1/users/{ann}/password-reset", null, Ct);
        var fourth = TokenIn((await MailsAsync(smtp, 4))[3]);
        await using (var scope = host.Services.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<UserAccounts>().ResetPasswordAsync(ann, "an administrator chose this", Ct);
        Assert.Equal(HttpStatusCode.BadRequest, (await SetPasswordAsync(host.Browser(), fourth, NewPassword, formPath: "/account/login")).StatusCode);

        // Ann's link sets Ann's password only, whatever else the form claims.
        await admin.PostAsync($"/api/v1/users/{ann}/password-reset", null, Ct);
        var annsLink = TokenIn((await MailsAsync(smtp, 5))[4]);
        var browser = host.Browser();
        var changed = await CookieSessions.PostFormAsync(browser, $"/account/reset/{annsLink}", "reset", new Dictionary<string, string>
        {
            ["Input.Password"] = NewPassword, ["Input.Confirm"] = NewPassword, ["Input.Email"] = "bob@example.com", ["Input.UserId"] = bob.ToString(),
            ["userId"] = bob.ToString(), ["email"] = "bob@example.com",
        });
        Assert.Equal(HttpStatusCode.Redirect, changed.StatusCode);
        await host.SignedInClientAsync("ann@example.com", NewPassword);
        await host.SignedInClientAsync("bob@example.com");

        // Only administrators send links, never to a disabled user; the refusals were audited.
        Assert.Equal(HttpStatusCode.Forbidden, (await agent.PostAsync($"/api/v1/users/{bob}/password-reset", null, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PostAsync("/api/v1/users/999999/password-reset", null, Ct)).StatusCode);
        await admin.PatchAsJsonAsync($"/api/v1/users/{bob}", new { disabled = true }, Ct);
        var toDisabled = await admin.PostAsync($"/api/v1/users/{bob}/password-reset", null, Ct);
        Assert.Equal(HttpStatusCode.Conflict, toDisabled.StatusCode);
        Assert.Equal("application/problem+json", toDisabled.Content.Headers.ContentType?.MediaType);
        Assert.Equal(5, smtp.Messages.Count);
        await using (var db = host.OpenDb())
        {
            var refused = await db.AuditEntries.Where(e => e.Action == AuditActions.PasswordResetRefused).Select(e => e.Details!).ToListAsync(Ct);
            Assert.Equal(4, refused.Count);
            Assert.Contains(refused, d => d.Contains("expired"));
            Assert.Contains(refused, d => d.Contains("stamp"));
            var byAdmin = await db.AuditEntries.Where(e => e.Action == AuditActions.PasswordResetRequested && e.ActorUserId == adminId).CountAsync(Ct);
            Assert.Equal(4, byAdmin);
        }
    }

    [Fact]
    public async Task AResetNeverSkipsTwoFactorSignIn()
    {
        await using var smtp = new SmtpSink("kith@company.example", "smtp-pw");
        await using var host = await StartWithMailAsync(DatabaseProvider.Sqlite, smtp);
        await host.CreateUserAsync("ada@example.com", Role.Agent);
        var before = await host.SignedInClientAsync("ada@example.com");
        var (key, _) = await TwoFactorTests.EnrolAsync(host, "ada@example.com", before);

        await RequestAsync(host.Browser(), "ada@example.com");
        var token = TokenIn((await MailsAsync(smtp, 1))[0]);
        var browser = host.Browser();
        var done = await SetPasswordAsync(browser, token, NewPassword);
        Assert.Equal(HttpStatusCode.Redirect, done.StatusCode);
        Assert.False(TwoFactorTests.HasSessionCookie(done));
        Assert.Equal(HttpStatusCode.Redirect, (await before.GetAsync("/account/profile", Ct)).StatusCode);

        var password = await CookieSessions.SubmitLoginAsync(browser, "ada@example.com", NewPassword);
        Assert.Contains("/account/login/code", password.Headers.Location!.OriginalString);
        Assert.False(TwoFactorTests.HasSessionCookie(password));
        var code = await TwoFactorTests.SubmitCodeAsync(browser, Authenticator.Next(key));
        Assert.True(TwoFactorTests.HasSessionCookie(code));
    }

    [Fact]
    public async Task RequestsAreThrottledPerAccountAndPerAddressNeedTheirAntiforgeryTokenAndWithoutSystemMailSayWhomToAsk()
    {
        await using var host = await KithTestHost.StartAsync(configure: KithTestHost.LocalMail);
        await host.CreateUserAsync("ann@example.com", Role.Agent);

        var page = await host.Browser().GetStringAsync("/account/forgot", Ct);
        Assert.Contains("Ask an administrator", page);
        Assert.DoesNotContain("data-test=\"forgot-form\"", page);

        await using var smtp = new SmtpSink("kith@company.example", "smtp-pw");
        var (_, admin) = await host.UserWithClientAsync(Role.Admin);
        (await admin.PutAsync("/api/v1/admin/system-mail", JsonContent.Create(FeedbackApiTests.SystemMail(smtp.Port)), Ct)).EnsureSuccessStatusCode();

        var noToken = await host.Browser().PostAsync("/account/forgot", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "forgot", ["Input.Email"] = "ann@example.com",
        }), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, noToken.StatusCode);

        // Three requests per account in 15 minutes, known or not; the fourth waits.
        foreach (var email in new[] { "ann@example.com", "ghost@example.com" })
        {
            for (var i = 0; i < 3; i++) Assert.Equal(HttpStatusCode.OK, (await RequestAsync(host.Browser(), email)).StatusCode);
            var blocked = await RequestAsync(host.Browser(), email.ToUpperInvariant());
            Assert.Equal(HttpStatusCode.TooManyRequests, blocked.StatusCode);
            Assert.True(int.Parse(blocked.Headers.GetValues("Retry-After").Single()) > 0);
        }
        // Ten per address: four more fresh addresses reach it, the next is refused.
        for (var i = 0; i < 4; i++) Assert.Equal(HttpStatusCode.OK, (await RequestAsync(host.Browser(), $"someone{i}@example.com")).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await RequestAsync(host.Browser(), "fresh@example.com")).StatusCode);
    }

    internal static async Task<KithTestHost> StartWithMailAsync(DatabaseProvider provider, SmtpSink smtp)
    {
        var host = await KithTestHost.StartAsync(provider, configure: KithTestHost.LocalMail);
        var (_, admin) = await host.UserWithClientAsync(Role.Admin, "mail-admin@company.example");
        (await admin.PutAsync("/api/v1/admin/system-mail", JsonContent.Create(FeedbackApiTests.SystemMail(smtp.Port)), Ct)).EnsureSuccessStatusCode();
        return host;
    }

    internal static Task<HttpResponseMessage> RequestAsync(HttpClient browser, string email) =>
        CookieSessions.PostFormAsync(browser, "/account/forgot", "forgot", new Dictionary<string, string> { ["Input.Email"] = email });

    /// <summary>Posts a new password to a reset link; a dead link shows no form, so the antiforgery field then comes from another page.</summary>
    internal static Task<HttpResponseMessage> SetPasswordAsync(HttpClient browser, string token, string password, string? formPath = null) =>
        CookieSessions.PostFormAsync(browser, $"/account/reset/{token}", "reset",
            new Dictionary<string, string> { ["Input.Password"] = password, ["Input.Confirm"] = password }, formPath);

    /// <summary>The messages once the SMTP server holds at least <paramref name="count"/>; sending happens after the page answered.</summary>
    internal static async Task<IReadOnlyList<MimeMessage>> MailsAsync(SmtpSink smtp, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (smtp.Messages.Count < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{smtp.Messages.Count} of {count} messages arrived.");
            await Task.Delay(50, Ct);
        }
        return smtp.Messages;
    }

    internal static string TokenIn(MimeMessage mail) =>
        ResetLink().Match(mail.TextBody ?? "") is { Success: true } m ? m.Groups[1].Value : throw new InvalidOperationException("No reset link in: " + mail.TextBody);

    private static string AnswerText(string html) =>
        Regex.Match(html, "<p class=\"kith-alert[^\"]*\"[^>]*>(.*?)</p>", RegexOptions.Singleline).Groups[1].Value;

    [GeneratedRegex("/account/reset/([A-Za-z0-9_-]+)")]
    private static partial Regex ResetLink();
}
