using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using MailKit;
using MailKit.Net.Imap;
using MimeKit;
using SmtpServer;
using SmtpServer.Authentication;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace Kith.Tests.Infrastructure;

/// <summary>
/// One real Dovecot IMAP server for the whole test assembly, run as our own process from a temporary folder (not
/// the system service): plain IMAP on a free loopback port, users in a passwd-file (a fresh user per test, so tests
/// do not share mail), maildirs under the folder. Tests skip with a message when Dovecot is not installed.
/// </summary>
public sealed class Dovecot : IAsyncLifetime
{
    public const string Binary = "/usr/sbin/dovecot";
    private const int NobodyId = 65534;
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "kith-dovecot", Guid.NewGuid().ToString("N")[..12]);
    private readonly SemaphoreSlim _usersGate = new(1, 1);
    private Process? _process;
    private string? _unavailable;

    public int Port { get; private set; }
    public string Host => "127.0.0.1";
    private string UsersFile => Path.Combine(_folder, "users");
    private string MailRoot => Path.Combine(_folder, "mail");
    private static bool IsRoot => Environment.UserName == "root";

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(Binary))
        {
            _unavailable = $"Dovecot is not installed at {Binary} (apt-get install dovecot-imapd); the IMAP tests need it. CI installs it.";
            return;
        }
        Directory.CreateDirectory(Path.Combine(_folder, "run"));
        Directory.CreateDirectory(MailRoot);
        await File.WriteAllTextAsync(UsersFile, "");
        if (IsRoot) await ChownAsync(MailRoot);
        Port = FreePort();
        // As root, Dovecot refuses to read mail as uid 0, so mail belongs to nobody; otherwise to the current user.
        var me = Environment.UserName;
        var config = $$"""
            base_dir = {{_folder}}/run
            state_dir = {{_folder}}/run/state
            instance_name = kith-test-{{Path.GetFileName(_folder)}}
            protocols = imap
            listen = 127.0.0.1
            ssl = no
            disable_plaintext_auth = no
            auth_mechanisms = plain login
            auth_failure_delay = 0
            default_internal_user = {{(IsRoot ? "dovecot" : me)}}
            default_login_user = {{(IsRoot ? "dovenull" : me)}}
            log_path = {{_folder}}/dovecot.log
            mail_max_userip_connections = 100
            passdb {
              driver = passwd-file
              args = {{UsersFile}}
            }
            userdb {
              driver = passwd-file
              args = {{UsersFile}}
            }
            mail_location = maildir:{{MailRoot}}/%u
            namespace inbox {
              inbox = yes
              separator = /
              mailbox Sent {
                special_use = \Sent
                auto = subscribe
              }
            }
            service imap-login {
              inet_listener imap {
                address = 127.0.0.1
                port = {{Port}}
              }
              inet_listener imaps {
                port = 0
              }
              chroot =
            }
            service anvil {
              chroot =
            }
            """;
        var configPath = Path.Combine(_folder, "dovecot.conf");
        await File.WriteAllTextAsync(configPath, config);
        await StartProcessAsync(configPath);
    }

    private async Task StartProcessAsync(string configPath)
    {
        _process = Process.Start(new ProcessStartInfo(Binary, ["-F", "-c", configPath])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        })!;
        for (var i = 0; i < 200; i++)
        {
            if (_process.HasExited)
            {
                _unavailable = $"Dovecot exited at start: {await _process.StandardError.ReadToEndAsync()}";
                return;
            }
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }
        _unavailable = "Dovecot did not open its port.";
    }

    public void EnsureAvailable()
    {
        if (_unavailable is not null) Assert.Skip(_unavailable);
    }

    /// <summary>A new IMAP user with an empty inbox and sent folder.</summary>
    public async Task<(string User, string Password)> CreateUserAsync()
    {
        EnsureAvailable();
        var user = "u" + Guid.NewGuid().ToString("N")[..12];
        var password = "pw-" + Guid.NewGuid().ToString("N")[..10];
        var (uid, gid) = IsRoot ? (NobodyId, NobodyId) : CurrentIds();
        await _usersGate.WaitAsync();
        try
        {
            await File.AppendAllTextAsync(UsersFile, $"{user}:{{PLAIN}}{password}:{uid}:{gid}::{MailRoot}/{user}::\n");
        }
        finally
        {
            _usersGate.Release();
        }
        return (user, password);
    }

    /// <summary>Appends messages over IMAP, as a mail server delivering them would.</summary>
    public async Task AppendAsync(string user, string password, bool sent, params MimeMessage[] messages)
    {
        using var client = await ConnectAsync(user, password);
        var folder = sent ? client.GetFolder(SpecialFolder.Sent)! : client.Inbox;
        foreach (var m in messages) await folder.AppendAsync(m, MessageFlags.Seen);
        await client.DisconnectAsync(true);
    }

    /// <summary>Writes messages straight into the user's maildir inbox: fast enough for tens of thousands.</summary>
    public async Task WriteMaildirAsync(string user, IEnumerable<byte[]> messages)
    {
        var root = Path.Combine(MailRoot, user);
        foreach (var sub in new[] { "new", "cur", "tmp" }) Directory.CreateDirectory(Path.Combine(root, sub));
        var n = 0;
        foreach (var m in messages)
            await File.WriteAllBytesAsync(Path.Combine(root, "new", $"1760000000.M{n++}P1.kith"), m);
        if (IsRoot) await ChownAsync(root);
    }

    private static async Task ChownAsync(string path)
    {
        using var chown = Process.Start("chown", ["-R", $"{NobodyId}:{NobodyId}", path])!;
        await chown.WaitForExitAsync();
    }

    public async Task<ImapClient> ConnectAsync(string user, string password)
    {
        var client = new ImapClient();
        await client.ConnectAsync(Host, Port, MailKit.Security.SecureSocketOptions.None);
        await client.AuthenticateAsync(user, password);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process?.Dispose();
        try
        {
            Directory.Delete(_folder, true);
        }
        catch (IOException)
        {
        }
    }

    public static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    private static (int, int) CurrentIds()
    {
        var id = Process.Start(new ProcessStartInfo("id", ["-u"]) { RedirectStandardOutput = true })!;
        var uid = int.Parse(id.StandardOutput.ReadToEnd().Trim());
        var gid = Process.Start(new ProcessStartInfo("id", ["-g"]) { RedirectStandardOutput = true })!;
        return (uid, int.Parse(gid.StandardOutput.ReadToEnd().Trim()));
    }
}

/// <summary>
/// A TCP relay between a client and a server that can cut every connection once the server has sent a given number
/// of bytes: a connection dropped mid-sync, at a point the test chooses, without timing.
/// </summary>
public sealed class CuttingProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly int _targetPort;
    private long _sent;

    public CuttingProxy(int targetPort)
    {
        _targetPort = targetPort;
        _listener.Start();
        _ = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;
    /// <summary>Bytes from the server after which every connection is closed; null lets everything through.</summary>
    public long? CutAfter { get; set; }
    public bool Cut { get; private set; }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception)
            {
                return;
            }
            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using var _ = client;
        using var server = new TcpClient();
        await server.ConnectAsync(IPAddress.Loopback, _targetPort);
        using var done = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        var up = PumpAsync(client.GetStream(), server.GetStream(), false, done.Token);
        var down = PumpAsync(server.GetStream(), client.GetStream(), true, done.Token);
        await Task.WhenAny(up, down);
        await done.CancelAsync();
        client.Client.Close();
        server.Client.Close();
    }

    private async Task PumpAsync(NetworkStream from, NetworkStream to, bool fromServer, CancellationToken ct)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var n = await from.ReadAsync(buffer, ct);
                if (n == 0) return;
                if (fromServer && CutAfter is { } limit && Interlocked.Add(ref _sent, n) > limit)
                {
                    Cut = true;
                    return;
                }
                await to.WriteAsync(buffer.AsMemory(0, n), ct);
            }
        }
        catch (Exception)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        _stop.Dispose();
    }
}

/// <summary>A real SMTP server in the test process (the SmtpServer package) that keeps every message it accepts.</summary>
public sealed class SmtpSink : IAsyncDisposable
{
    private readonly SmtpServer.SmtpServer _server;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _running;
    private readonly Store _store = new();

    public SmtpSink(string user, string password)
    {
        Port = Dovecot.FreePort();
        var options = new SmtpServerOptionsBuilder().ServerName("localhost")
            .Endpoint(b => b.Endpoint(new IPEndPoint(IPAddress.Loopback, Port)).AllowUnsecureAuthentication(true).AuthenticationRequired(true))
            .Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(_store);
        services.Add(new Users(user, password));
        _server = new SmtpServer.SmtpServer(options, services);
        _running = _server.StartAsync(_stop.Token);
    }

    public int Port { get; }
    public IReadOnlyList<MimeMessage> Messages => _store.Messages.ToList();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _running;
        }
        catch (OperationCanceledException)
        {
        }
        _stop.Dispose();
    }

    private sealed class Store : MessageStore
    {
        public readonly System.Collections.Concurrent.ConcurrentQueue<MimeMessage> Messages = new();

        public override async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            using var stream = new MemoryStream(buffer.ToArray());
            Messages.Enqueue(await MimeMessage.LoadAsync(stream, cancellationToken));
            return SmtpResponse.Ok;
        }
    }

    private sealed class Users(string user, string password) : IUserAuthenticator
    {
        public Task<bool> AuthenticateAsync(ISessionContext context, string u, string p, CancellationToken cancellationToken) =>
            Task.FromResult(u == user && p == password);
    }
}

public static class TestMail
{
    /// <summary>A small text message from one address to another.</summary>
    public static MimeMessage Message(string from, string to, string subject, string text, string? messageId = null, string? html = null, string? cc = null)
    {
        var m = new MimeMessage();
        m.From.Add(MailboxAddress.Parse(from));
        m.To.Add(MailboxAddress.Parse(to));
        if (cc is not null) m.Cc.Add(MailboxAddress.Parse(cc));
        m.Subject = subject;
        m.Date = new DateTimeOffset(2026, 2, 1, 10, 0, 0, TimeSpan.Zero);
        m.MessageId = messageId ?? MimeKit.Utils.MimeUtils.GenerateMessageId("test.example");
        if (html is null) m.Body = new TextPart("plain") { Text = text };
        else
        {
            var b = new BodyBuilder { HtmlBody = html };
            m.Body = b.ToMessageBody();
        }
        return m;
    }

    /// <summary>The token of the survey link in a delivered message's text.</summary>
    public static string SurveyToken(string text) =>
        System.Text.RegularExpressions.Regex.Match(text, "/survey/([A-Za-z0-9_-]{20,})").Groups[1] is { Success: true } g ? g.Value : throw new InvalidOperationException("No survey link in: " + text);

    public static byte[] Bytes(MimeMessage m)
    {
        using var s = new MemoryStream();
        m.WriteTo(s);
        return s.ToArray();
    }

    public static byte[] Raw(string from, string to, string subject, string messageId, string text) =>
        Encoding.UTF8.GetBytes($"From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nMessage-ID: <{messageId}>\r\nDate: Sun, 1 Feb 2026 10:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n");
}
