using Kith.Core.Identity;

namespace Kith.Core.Mail;

public sealed record MailConnectionCheck(bool Ok, string Message);

public sealed record MailboxTestResult(MailConnectionCheck Imap, MailConnectionCheck Smtp)
{
    public bool Ok => Imap.Ok && Smtp.Ok;
}

/// <summary>"Test connection": signs in to the IMAP and the SMTP server with the stored settings and says what each answered.</summary>
public sealed class TestMailbox(MailAccess access, MailClients clients)
{
    public async Task<MailboxTestResult> HandleAsync(long id, AccessScope scope, CancellationToken ct)
    {
        var box = await access.MailboxAsync(scope, id, ct);
        MailConnectionCheck imap, smtp;
        try
        {
            using var client = await clients.ConnectImapAsync(box, ct);
            var inbox = client.Inbox;
            await inbox.OpenAsync(MailKit.FolderAccess.ReadOnly, ct);
            imap = new(true, $"Signed in to {box.ImapHost}; the inbox holds {inbox.Count} messages.");
            await client.DisconnectAsync(true, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            imap = new(false, MailClients.Describe(e, "IMAP", box.ImapHost, box.ImapPort));
        }
        try
        {
            using var client = await clients.ConnectSmtpAsync(box, ct);
            smtp = new(true, $"Connected to {box.SmtpHost}; ready to send.");
            await client.DisconnectAsync(true, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            smtp = new(false, MailClients.Describe(e, "SMTP", box.SmtpHost, box.SmtpPort));
        }
        return new MailboxTestResult(imap, smtp);
    }
}
