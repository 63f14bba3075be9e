using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

[assembly: AssemblyFixture(typeof(Dovecot))]

namespace Kith.Tests.Mail;

/// <summary>The mail API over HTTP with the real host, a real Dovecot and a real SMTP server.</summary>
public sealed class MailApiTests(Dovecot dovecot)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static object Mailbox(int imapPort, string user, string password, int smtpPort = 25, string address = "me@work.example") => new
    {
        name = "Work", address, imapHost = "127.0.0.1", imapPort, imapSecurity = "none", imapUser = user,
        smtpHost = "127.0.0.1", smtpPort, smtpSecurity = "none", password,
    };

    [Fact]
    public async Task The_password_is_stored_encrypted_under_a_private_key_file_and_no_answer_ever_holds_it()
    {
        await using var host = await KithTestHost.StartAsync(configure: KithTestHost.LocalMail);
        var (_, client) = await host.UserWithClientAsync(Role.Agent);
        const string password = "Very-S3cret-Pw-71";

        var created = await client.PostJsonAsync("/api/v1/mailboxes", Mailbox(1, "me", password));
        var id = (await created.JsonAsync()).GetProperty("id").GetInt64();
        var texts = new List<string> { await created.Content.ReadAsStringAsync(Ct) };
        foreach (var url in new[] { "/api/v1/mailboxes", $"/api/v1/mailboxes/{id}", $"/api/v1/mailboxes/{id}/runs" })
            texts.Add(await client.GetStringAsync(url, Ct));
        texts.Add(await (await client.PutAsync($"/api/v1/mailboxes/{id}", JsonContent(Mailbox(2, "me", "")), Ct)).Content.ReadAsStringAsync(Ct));

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.All(texts, t => Assert.DoesNotContain(password, t));
        Assert.All(texts.Take(2), t => Assert.Contains("\"hasPassword\":true", t));
        await using var db = host.OpenDb();
        var stored = await db.Mailboxes.SingleAsync(Ct);
        Assert.StartsWith("v1:", stored.PasswordSecret);
        Assert.DoesNotContain(password, stored.PasswordSecret);
        Assert.Equal(2, stored.ImapPort);
        var key = Path.Combine(host.Database.Options.DataDirectory, "secret.key");
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
    }

    [Fact]
    public async Task Bad_settings_are_a_400_naming_each_field_and_nothing_is_stored()
    {
        await using var host = await KithTestHost.StartAsync(configure: KithTestHost.LocalMail);
        var (_, client) = await host.UserWithClientAsync(Role.Agent);

        var response = await client.PostJsonAsync("/api/v1/mailboxes", new
        {
            name = "", address = "not an address", imapHost = "", imapPort = 70000, smtpHost = "smtp.example.com", password = "",
        });
        var unknownSecurity = await client.PostJsonAsync("/api/v1/mailboxes", new { name = "x", imapSecurity = "tls9" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.JsonAsync()).GetProperty("errors");
        foreach (var field in new[] { "name", "address", "imapHost", "imapPort", "password" })
            Assert.True(errors.TryGetProperty(field, out _), field + ": " + errors);
        Assert.Equal(HttpStatusCode.BadRequest, unknownSecurity.StatusCode);
        await using var db = host.OpenDb();
        Assert.Equal(0, await db.Mailboxes.CountAsync(Ct));
    }

    [Fact]
    public async Task Another_users_mailbox_is_404_on_every_path()
    {
        await using var host = await KithTestHost.StartAsync(configure: KithTestHost.LocalMail);
        var (_, owner) = await host.UserWithClientAsync(Role.Agent);
        var (_, other) = await host.UserWithClientAsync(Role.Manager);
        var id = (await (await owner.PostJsonAsync("/api/v1/mailboxes", Mailbox(1, "me", "pw"))).JsonAsync()).GetProperty("id").GetInt64();

        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/api/v1/mailboxes/{id}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/api/v1/mailboxes/{id}/runs", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.PostAsync($"/api/v1/mailboxes/{id}/test", null, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.PostAsync($"/api/v1/mailboxes/{id}/sync", null, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.PutAsync($"/api/v1/mailboxes/{id}", JsonContent(Mailbox(1, "me", "")), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.DeleteAsync($"/api/v1/mailboxes/{id}", Ct)).StatusCode);
        Assert.Equal("[]", await other.GetStringAsync("/api/v1/mailboxes", Ct));
    }

    [Fact]
    public async Task Test_connection_signs_in_to_both_servers_and_a_wrong_password_says_so()
    {
        var (user, password) = await dovecot.CreateUserAsync();
        await using var smtp = new SmtpSink(user, password);
        await using var host = await KithTestHost.StartAsync(configure: KithTestHost.LocalMail);
        var (_, client) = await host.UserWithClientAsync(Role.Agent);
        var good = (await (await client.PostJsonAsync("/api/v1/mailboxes", Mailbox(dovecot.Port, user, password, smtp.Port))).JsonAsync()).GetProperty("id").GetInt64();
        var bad = (await (await client.PostJsonAsync("/api/v1/mailboxes", Mailbox(dovecot.Port, user, "wrong", smtp.Port))).JsonAsync()).GetProperty("id").GetInt64();

        var ok = await (await client.PostAsync($"/api/v1/mailboxes/{good}/test", null, Ct)).JsonAsync();
        var refused = await (await client.PostAsync($"/api/v1/mailboxes/{bad}/test", null, Ct)).JsonAsync();

        Assert.True(ok.GetProperty("ok").GetBoolean(), ok.ToString());
        Assert.False(refused.GetProperty("imap").GetProperty("ok").GetBoolean());
        Assert.Contains("refused the user name or password", refused.GetProperty("imap").GetProperty("message").GetString());
        Assert.False(refused.GetProperty("smtp").GetProperty("ok").GetBoolean());
    }

    [Fact]
    public async Task Sync_now_runs_in_the_background_and_the_mail_reaches_the_customer_then_a_reply_is_sent_in_its_thread()
    {
        var (user, password) = await dovecot.CreateUserAsync();
        await using var smtp = new SmtpSink(user, password);
        await using var host = await KithTestHost.StartAsync(configure: KithTestHost.LocalMail);
        var (agentId, client) = await host.UserWithClientAsync(Role.Agent);
        var (_, outsider) = await host.UserWithClientAsync(Role.Agent);
        var customer = (await (await client.PostJsonAsync("/api/v1/customers", new { name = "Alice Chen", email = "alice@customer.example" })).JsonAsync()).GetProperty("id").GetInt64();
        await dovecot.AppendAsync(user, password, false, TestMail.Message("alice@customer.example", "me@work.example", "Order", "Where is it?", "order@customer.example"));
        var id = (await (await client.PostJsonAsync("/api/v1/mailboxes", Mailbox(dovecot.Port, user, password, smtp.Port) )).JsonAsync()).GetProperty("id").GetInt64();

        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync($"/api/v1/mailboxes/{id}/sync", null, Ct)).StatusCode);
        var box = await WaitForSyncAsync(client, id);

        Assert.Equal("healthy", box.GetProperty("status").GetProperty("health").GetString());
        var emails = await client.GetFromJsonAsync<JsonElement>($"/api/v1/customers/{customer}/emails", Ct);
        var email = Assert.Single(emails.EnumerateArray());
        Assert.Equal("Order", email.GetProperty("subject").GetString());
        var communicationId = email.GetProperty("communicationId").GetInt64();
        Assert.Equal(HttpStatusCode.NotFound, (await outsider.GetAsync($"/api/v1/emails/{communicationId}", Ct)).StatusCode);

        var injected = await client.PostJsonAsync($"/api/v1/customers/{customer}/emails", new { subject = "Hi\r\nBcc: x@evil.example", body = "b" });
        var unknown = await client.PostJsonAsync($"/api/v1/customers/{customer}/emails", new { subject = "Hi", body = "Dear {{surname}}" });
        var sent = await client.PostJsonAsync($"/api/v1/customers/{customer}/emails", new { replyTo = communicationId, body = "On its way, {{first_name}}." });

        Assert.Equal(HttpStatusCode.BadRequest, injected.StatusCode);
        Assert.True((await injected.JsonAsync()).GetProperty("errors").TryGetProperty("subject", out _));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("{{surname}}", (await unknown.JsonAsync()).GetProperty("errors").GetProperty("body")[0].GetString());
        Assert.Equal(HttpStatusCode.Created, sent.StatusCode);
        var mail = Assert.Single(smtp.Messages);
        Assert.Equal(("Re: Order", "order@customer.example"), (mail.Subject, mail.InReplyTo));
        Assert.Equal("On its way, Alice.", mail.TextBody!.TrimEnd());
        emails = await client.GetFromJsonAsync<JsonElement>($"/api/v1/customers/{customer}/emails", Ct);
        Assert.Equal(2, emails.GetArrayLength());
        Assert.All(emails.EnumerateArray(), e => Assert.Equal("order@customer.example", e.GetProperty("threadKey").GetString()));
        _ = agentId;
    }

    private static async Task<JsonElement> WaitForSyncAsync(HttpClient client, long id)
    {
        // The worker runs on its own; wait until the ledger shows the requested run finished.
        for (var i = 0; i < 600; i++)
        {
            var box = await client.GetFromJsonAsync<JsonElement>($"/api/v1/mailboxes/{id}", Ct);
            if (box.GetProperty("syncRequestedAt").ValueKind == JsonValueKind.Null
                && box.GetProperty("lastRun") is { ValueKind: JsonValueKind.Object } run
                && run.GetProperty("outcome").GetString() != "running")
                return box;
            await Task.Delay(100, Ct);
        }
        throw new TimeoutException("The sync did not finish within a minute.");
    }

    private static StringContent JsonContent(object body) =>
        new(JsonSerializer.Serialize(body, KithTestHost.Json), System.Text.Encoding.UTF8, "application/json");
}
