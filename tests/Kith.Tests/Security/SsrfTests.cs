using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using Kith.Core.Identity;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Tests.Security;

/// <summary>
/// Server-side request forgery through every host Kith connects to on a user's behalf: the IMAP and SMTP hosts of a
/// mailbox and the system mail SMTP host (Kith makes no other outbound connection; see ADR-0019). Loopback,
/// link-local, metadata and unspecified addresses are refused in every spelling when typed, and again on the resolved
/// address at connect time, where a listener on loopback shows that no connection was even opened.
/// </summary>
public sealed class SsrfTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static readonly TheoryData<string> RefusedHosts =
    [
        "127.0.0.1", "127.1", "127.0.1", "0x7f000001", "0x7f.0.0.1", "2130706433", "0177.0.0.1", "017700000001", "127.255.255.254",
        "::1", "[::1]", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1", "[::ffff:7f00:1]", "::127.0.0.1", "64:ff9b::127.0.0.1",
        "localhost", "LOCALHOST.", "mail.localhost", "0.0.0.0", "0", "::", "[::]",
        "169.254.169.254", "0xa9fea9fe", "::ffff:169.254.169.254", "169.254.0.1", "fe80::1", "[fe80::1%25eth0]", "fd00:ec2::254",
        "100.100.100.200", "224.0.0.1", "255.255.255.255",
    ];

    private static object Mailbox(string imapHost, string smtpHost) => new
    {
        name = "Work", address = "me@work.example", imapHost, imapPort = 993, smtpHost, smtpPort = 587, password = "pw", syncEnabled = false,
    };

    private static object SystemMail(string host) => new
    {
        host, port = 587, security = "none", user = "kith", password = "pw", fromAddress = "kith@work.example", publicUrl = "https://crm.example.com",
    };

    [Fact]
    public async Task EverySpellingOfALoopbackLinkLocalOrMetadataHostIsRefusedWhenTypedAndNothingIsStored()
    {
        await using var host = await KithTestHost.StartAsync();
        var (_, admin) = await host.UserWithClientAsync(Role.Admin);
        var existing = await admin.PostJsonAsync("/api/v1/mailboxes", Mailbox("imap.example.com", "smtp.example.com"));
        Assert.Equal(HttpStatusCode.Created, existing.StatusCode);
        var id = (await existing.JsonAsync()).GetProperty("id").GetInt64();

        // One fingerprint around all the refusals: each is refused, so any change would still show at the end.
        await DatabaseFingerprint.AssertUnchangedAsync(host, "the refused hosts", async () =>
        {
        foreach (var refused in RefusedHosts.Select(r => (string)r.Data))
        {
            var writes = new (string Name, string Field, Func<Task<HttpResponseMessage>> Send)[]
            {
                ("new mailbox, IMAP", "imapHost", () => admin.PostJsonAsync("/api/v1/mailboxes", Mailbox(refused, "smtp.example.com"))),
                ("new mailbox, SMTP", "smtpHost", () => admin.PostJsonAsync("/api/v1/mailboxes", Mailbox("imap.example.com", refused))),
                ("changed mailbox, IMAP", "imapHost", () => admin.PutAsJsonAsync($"/api/v1/mailboxes/{id}", Mailbox(refused, "smtp.example.com"), KithTestHost.Json, Ct)),
                ("changed mailbox, SMTP", "smtpHost", () => admin.PutAsJsonAsync($"/api/v1/mailboxes/{id}", Mailbox("imap.example.com", refused), KithTestHost.Json, Ct)),
                ("system mail", "host", () => admin.PutAsJsonAsync("/api/v1/admin/system-mail", SystemMail(refused), KithTestHost.Json, Ct)),
            };
            foreach (var (name, field, send) in writes)
            {
                var response = await send();
                var body = await response.Content.ReadAsStringAsync(Ct);
                Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{name} with {refused}: {(int)response.StatusCode} {body}");
                Assert.True((await response.JsonAsync()).GetProperty("errors").TryGetProperty(field, out var message), $"{name} with {refused}: {body}");
                Assert.Contains("Kith does not connect there", message[0].GetString());
            }
        }
        });
    }

    [Theory]
    [InlineData("mail.example.com")]
    [InlineData("192.168.1.20")]
    [InlineData("10.0.0.5")]
    [InlineData("172.16.8.1")]
    [InlineData("fd12:3456::25")]
    public async Task PublicHostsAndPrivateLanServersAreAccepted(string allowed)
    {
        await using var host = await KithTestHost.StartAsync();
        var (_, admin) = await host.UserWithClientAsync(Role.Admin);

        Assert.Equal(HttpStatusCode.Created, (await admin.PostJsonAsync("/api/v1/mailboxes", Mailbox(allowed, allowed))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync("/api/v1/admin/system-mail", SystemMail(allowed), KithTestHost.Json, Ct)).StatusCode);
    }

    /// <summary>
    /// A name that passed when typed and later resolves to loopback (DNS rebinding, or a row stored before an operator
    /// withdrew an allowance): every path that connects checks the resolved address and refuses before connecting.
    /// </summary>
    [Fact]
    public async Task AHostThatResolvesToLoopbackAtConnectTimeIsRefusedBeforeAnyConnectionOnEveryPathThatConnects()
    {
        await using var host = await KithTestHost.StartAsync();
        var (_, admin) = await host.UserWithClientAsync(Role.Admin);
        using var listener = new CountingListener();
        var created = await admin.PostJsonAsync("/api/v1/mailboxes", new
        {
            name = "Work", address = "me@work.example", imapHost = "imap.example.com", imapPort = listener.Port, imapSecurity = "none",
            smtpHost = "smtp.example.com", smtpPort = listener.Port, smtpSecurity = "none", password = "pw", syncEnabled = false,
        });
        var mailbox = (await created.JsonAsync()).GetProperty("id").GetInt64();
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync("/api/v1/admin/system-mail",
            new { host = "smtp.example.com", port = listener.Port, security = "none", user = "", fromAddress = "kith@work.example", publicUrl = "https://crm.example.com" },
            KithTestHost.Json, Ct)).StatusCode);
        var customer = (await (await admin.PostJsonAsync("/api/v1/customers", new { name = "Wang Fang", email = "fang@example.com" })).JsonAsync()).GetProperty("id").GetInt64();
        // The names now lead to this machine: "localhost" resolves to 127.0.0.1 through the system's resolver.
        await using (var db = host.OpenDb())
        {
            await db.Mailboxes.ExecuteUpdateAsync(s => s.SetProperty(b => b.ImapHost, "localhost").SetProperty(b => b.SmtpHost, "localhost")
                .SetProperty(b => b.SyncEnabled, true), Ct);
            await db.Settings.Where(s => s.Key == "systemMail.host").ExecuteUpdateAsync(s => s.SetProperty(x => x.Value, "localhost"), Ct);
        }

        var test = await admin.PostAsync($"/api/v1/mailboxes/{mailbox}/test", null, Ct);
        var result = await test.JsonAsync();
        Assert.False(result.GetProperty("imap").GetProperty("ok").GetBoolean());
        Assert.Contains("loopback", result.GetProperty("imap").GetProperty("message").GetString());
        Assert.Contains("--allow-mail-host", result.GetProperty("smtp").GetProperty("message").GetString());

        await DatabaseFingerprint.AssertUnchangedAsync(host, "sending through a mailbox that resolves to loopback", async () =>
        {
            var send = await admin.PostJsonAsync($"/api/v1/customers/{customer}/emails", new { mailboxId = mailbox, subject = "Hello", body = "Hi" });
            Assert.Equal(HttpStatusCode.BadGateway, send.StatusCode);
            Assert.Contains("loopback", await send.Content.ReadAsStringAsync(Ct));
        });
        await DatabaseFingerprint.AssertUnchangedAsync(host, "system mail that resolves to loopback", async () =>
        {
            var send = await admin.PostJsonAsync("/api/v1/admin/system-mail/test", new { to = "boss@example.com" });
            Assert.Equal(HttpStatusCode.BadGateway, send.StatusCode);
            Assert.Contains("loopback", await send.Content.ReadAsStringAsync(Ct));
        });
        Assert.Equal(HttpStatusCode.Accepted, (await admin.PostAsync($"/api/v1/mailboxes/{mailbox}/sync", null, Ct)).StatusCode);
        await WaitForSyncRunAsync(host, mailbox);
        await using (var db = host.OpenDb())
            Assert.Contains("loopback", (await db.MailSyncRuns.SingleAsync(r => r.MailboxId == mailbox, Ct)).ErrorMessage);

        Assert.Equal(0, listener.Connections);
    }

    [Fact]
    public async Task AnOperatorAllowsAMailServerOnThisMachineByName()
    {
        await using var host = await KithTestHost.StartAsync(configure: o => o with { AllowMailHosts = ["localhost"] });
        var (_, admin) = await host.UserWithClientAsync(Role.Admin);
        using var listener = new CountingListener();

        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync("/api/v1/admin/system-mail",
            new { host = "localhost", port = listener.Port, security = "none", user = "", fromAddress = "kith@work.example", publicUrl = "https://crm.example.com" },
            KithTestHost.Json, Ct)).StatusCode);
        // Still refused: the allowance names a host, not every spelling of loopback.
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PutAsJsonAsync("/api/v1/admin/system-mail", SystemMail("127.1"), KithTestHost.Json, Ct)).StatusCode);
        await admin.PostJsonAsync("/api/v1/admin/system-mail/test", new { to = "boss@example.com" });

        Assert.True(listener.Connections > 0);
    }

    private static async Task WaitForSyncRunAsync(KithTestHost host, long mailbox)
    {
        for (var i = 0; i < 200; i++)
        {
            await using var db = host.OpenDb();
            if (await db.MailSyncRuns.AnyAsync(r => r.MailboxId == mailbox && r.FinishedAt != null, Ct)) return;
            await Task.Delay(50, Ct);
        }
        Assert.Fail("The sync did not finish.");
    }

    /// <summary>A TCP listener on 127.0.0.1 that accepts and counts connections, then hangs up.</summary>
    private sealed class CountingListener : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private int _connections;

        public CountingListener()
        {
            _listener.Start();
            _ = AcceptAsync();
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;
        public int Connections => Volatile.Read(ref _connections);

        private async Task AcceptAsync()
        {
            try
            {
                while (true)
                {
                    using var client = await _listener.AcceptTcpClientAsync();
                    Interlocked.Increment(ref _connections);
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
            }
        }

        public void Dispose() => _listener.Stop();
    }
}
