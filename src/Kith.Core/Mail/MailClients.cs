using System.Net.Sockets;
using Kith.Core.Infrastructure;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Net.Smtp;
using MailKit.Security;

namespace Kith.Core.Mail;

/// <summary>Opens signed-in IMAP and SMTP connections for a mailbox, and words their failures for the mailbox owner.</summary>
public sealed class MailClients(SecretBox secrets, OutboundAddresses outbound)
{
    public const string PasswordPurpose = "mailbox-password";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    public string Seal(string password) => secrets.Encrypt(password, PasswordPurpose);

    /// <summary>Why Kith will not connect to a typed host, or null; see <see cref="OutboundAddresses"/>.</summary>
    public string? HostRefusal(string host) => outbound.Refusal(host);

    public async Task<ImapClient> ConnectImapAsync(Mailbox box, CancellationToken ct)
    {
        var client = new ImapClient { Timeout = (int)Timeout.TotalMilliseconds };
        try
        {
            // Kith opens the socket on an address it checked; MailKit gets the host name for TLS.
            await client.ConnectAsync(await outbound.ConnectAsync(box.ImapHost, box.ImapPort, ct), box.ImapHost, box.ImapPort, Options(box.ImapSecurity), ct);
            await client.AuthenticateAsync(box.ImapUser, secrets.Decrypt(box.PasswordSecret, PasswordPurpose), ct);
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    public Task<SmtpClient> ConnectSmtpAsync(Mailbox box, CancellationToken ct) =>
        ConnectSmtpAsync(box.SmtpHost, box.SmtpPort, box.SmtpSecurity, box.SmtpUser, () => secrets.Decrypt(box.PasswordSecret, PasswordPurpose), ct);

    /// <summary>An SMTP connection signed in with <paramref name="password"/> (read only when the server offers AUTH).</summary>
    public async Task<SmtpClient> ConnectSmtpAsync(string host, int port, MailSecurity security, string user, Func<string> password, CancellationToken ct)
    {
        var client = new SmtpClient { Timeout = (int)Timeout.TotalMilliseconds };
        try
        {
            await client.ConnectAsync(await outbound.ConnectAsync(host, port, ct), host, port, Options(security), ct);
            // A relay that offers no AUTH (a local server, a test) is used as it is.
            if (client.Capabilities.HasFlag(SmtpCapabilities.Authentication) && user.Length > 0)
                await client.AuthenticateAsync(user, password(), ct);
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    private static SecureSocketOptions Options(MailSecurity security) => security switch
    {
        MailSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
        MailSecurity.StartTls => SecureSocketOptions.StartTls,
        _ => SecureSocketOptions.None,
    };

    /// <summary>What went wrong, in words the mailbox owner can act on.</summary>
    public static string Describe(Exception e, string protocol, string host, int port) => e switch
    {
        OutboundAddressRefused => e.Message,
        AuthenticationException => $"The {protocol} server refused the user name or password ({e.Message.TrimEnd('.')}). Check them; Gmail and Outlook need an app password.",
        SslHandshakeException => $"The secure connection to {host}:{port} failed ({protocol}): check the port and the security setting.",
        SocketException s => $"Could not reach {host}:{port} ({protocol}): {s.Message}",
        ServiceNotConnectedException or ImapProtocolException or SmtpProtocolException or IOException =>
            $"The connection to {host}:{port} ({protocol}) was lost: {e.Message} The next sync resumes where this one stopped.",
        TimeoutException => $"{host}:{port} ({protocol}) did not answer in time.",
        ImapCommandException or SmtpCommandException => $"The {protocol} server said: {e.Message}",
        System.Security.Cryptography.CryptographicException => "The stored password cannot be decrypted with this server's key file; enter the password again.",
        _ => $"{protocol}: {e.Message}",
    };
}
