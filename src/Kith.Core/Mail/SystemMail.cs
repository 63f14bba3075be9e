using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;
using MimeKit;
using MimeKit.Utils;

namespace Kith.Core.Mail;

/// <summary>
/// Kith's own outgoing mail (reminders, surveys, password resets), sent through the SMTP server an administrator
/// set up under Administration → System mail. Not a user's mailbox: nothing is recorded on a timeline.
/// </summary>
public interface ISystemMail
{
    /// <summary>Whether an administrator has set system mail up; features that may stay silent ask before sending.</summary>
    Task<bool> IsConfiguredAsync(CancellationToken ct);

    /// <summary>
    /// An absolute link to a Kith page for a message, e.g. <c>LinkAsync("/my-day")</c>, built on the public address
    /// set with system mail. Throws <see cref="SystemMailUnavailable"/> when it is not set up.
    /// </summary>
    Task<string> LinkAsync(string path, CancellationToken ct);

    /// <summary>
    /// Sends one message to one address. Throws <see cref="SystemMailUnavailable"/> (409) when system mail is not set
    /// up, a <see cref="RuleViolation"/> (400) for a bad address or a subject with a line break, and one with status
    /// 502 when the SMTP server refuses or cannot be reached; when it returns, the server accepted the message.
    /// </summary>
    Task SendAsync(string to, string subject, string text, string? html, CancellationToken ct);
}

/// <summary>System mail is not set up; the message says who can set it up and where.</summary>
public sealed class SystemMailUnavailable() : RuleViolation(
    "Kith cannot send mail yet: an administrator sets up system mail under Administration → System mail.", status: 409);

public sealed class SystemMail(SystemMailSettings settings, MailClients clients, TimeProvider clock) : ISystemMail
{
    public const int MaxSubject = 500, MaxBody = 200_000;

    public async Task<bool> IsConfiguredAsync(CancellationToken ct) => await settings.ReadAsync(ct) is not null;

    public async Task<string> LinkAsync(string path, CancellationToken ct)
    {
        var server = await settings.ReadAsync(ct) ?? throw new SystemMailUnavailable();
        return server.PublicUrl + (path.StartsWith('/') ? path : "/" + path);
    }

    public async Task SendAsync(string to, string subject, string text, string? html, CancellationToken ct)
    {
        var server = await settings.ReadAsync(ct) ?? throw new SystemMailUnavailable();
        var address = (to ?? "").Trim();
        var errors = new Dictionary<string, string[]>();
        if (!MailboxInput.IsAddress(address.ToLowerInvariant())) errors["to"] = [$"'{to}' is not an email address."];
        if (string.IsNullOrWhiteSpace(subject)) errors["subject"] = ["The subject is empty."];
        else if (subject.AsSpan().IndexOfAny('\r', '\n') >= 0) errors["subject"] = ["The subject must be one line: a line break would forge mail headers."];
        else if (subject.Length > MaxSubject) errors["subject"] = [$"The subject is longer than {MaxSubject} characters."];
        if (string.IsNullOrEmpty(text)) errors["text"] = ["The message is empty."];
        else if (text.Length > MaxBody || html?.Length > MaxBody) errors["text"] = [$"The message is longer than {MaxBody:N0} characters."];
        if (errors.Count > 0) throw new RuleViolation("The message cannot be sent.", errors);

        var mime = new MimeMessage();
        mime.From.Add(new MailboxAddress(server.FromName, server.FromAddress));
        mime.To.Add(MailboxAddress.Parse(address));
        mime.Subject = subject;
        mime.Date = clock.GetUtcNow();
        mime.MessageId = MimeUtils.GenerateMessageId(server.FromAddress[(server.FromAddress.IndexOf('@') + 1)..]);
        // Notifications: ask autoresponders not to answer (RFC 3834).
        mime.Headers.Add("Auto-Submitted", "auto-generated");
        mime.Body = new BodyBuilder { TextBody = text, HtmlBody = html }.ToMessageBody();
        try
        {
            using var smtp = await clients.ConnectSmtpAsync(server.Host, server.Port, server.Security, server.User, () => settings.Password(server), ct);
            await smtp.SendAsync(mime, ct);
            await smtp.DisconnectAsync(true, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new RuleViolation(MailClients.Describe(e, "SMTP", server.Host, server.Port) + " Nothing was sent.", status: 502);
        }
    }
}

/// <summary>"Send test": a short message through the saved settings to the administrator (or another address), to see that they work.</summary>
public sealed class TestSystemMail(KithDb db, ISystemMail mail)
{
    public async Task<string> HandleAsync(string? to, AccessScope scope, CancellationToken ct)
    {
        if (!scope.IsAdmin) throw new Forbidden("Only an administrator may test system mail.");
        var address = string.IsNullOrWhiteSpace(to) ? await db.Users.Where(u => u.Id == scope.UserId).Select(u => u.Email).FirstAsync(ct) : to.Trim();
        var link = await mail.LinkAsync("/", ct);
        await mail.SendAsync(address, "Kith: system mail works · 系统邮件正常",
            $"This test message from Kith ({link}) arrived, so reminders and surveys can be sent.\n\n这封来自 Kith 的测试邮件已送达，提醒和调查邮件可以发送。\n", null, ct);
        return address;
    }
}
