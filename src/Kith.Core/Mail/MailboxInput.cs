using System.ComponentModel.DataAnnotations;
using System.Net.Mail;
using Kith.Core.Infrastructure;

namespace Kith.Core.Mail;

/// <summary>The settings of a mailbox as typed in the form or sent to the API. The password is write-only.</summary>
public sealed class MailboxInput
{
    [Required, MaxLength(200)] public string Name { get; set; } = "";
    [Required, EmailAddress, MaxLength(254)] public string Address { get; set; } = "";
    [Required, MaxLength(253)] public string ImapHost { get; set; } = "";
    public int ImapPort { get; set; } = 993;
    public MailSecurity ImapSecurity { get; set; } = MailSecurity.SslOnConnect;
    [MaxLength(254)] public string? ImapUser { get; set; }
    [Required, MaxLength(253)] public string SmtpHost { get; set; } = "";
    public int SmtpPort { get; set; } = 587;
    public MailSecurity SmtpSecurity { get; set; } = MailSecurity.StartTls;
    /// <summary>Defaults to the IMAP user.</summary>
    [MaxLength(254)] public string? SmtpUser { get; set; }
    /// <summary>Required when connecting; left empty on a change, the stored one stays.</summary>
    [MaxLength(500)] public string? Password { get; set; }
    public MailVisibility Visibility { get; set; } = MailVisibility.Participants;
    public bool SyncEnabled { get; set; } = true;
    /// <summary>Incoming mail opens or continues service cases (see docs/cases.md); senders not yet customers become customers.</summary>
    public bool IsSupportAddress { get; set; }

    /// <summary>Checks every field and copies them onto <paramref name="box"/>; throws one RuleViolation naming every bad field.</summary>
    internal void ApplyTo(Mailbox box, MailClients clients, bool passwordRequired)
    {
        var errors = new Dictionary<string, string[]>();
        void Bad(string field, string message) => errors[field] = [message];
        var name = (Name ?? "").Trim();
        if (name.Length is 0 or > 200) Bad("name", "Give the mailbox a name of 1 to 200 characters.");
        var address = (Address ?? "").Trim().ToLowerInvariant();
        if (!IsAddress(address)) Bad("address", "address must be an email address such as sales@example.com.");
        var imapHost = Host(ImapHost, "imapHost", clients, Bad);
        var smtpHost = Host(SmtpHost, "smtpHost", clients, Bad);
        if (ImapPort is < 1 or > 65535) Bad("imapPort", "imapPort must be from 1 to 65535 (usually 993).");
        if (SmtpPort is < 1 or > 65535) Bad("smtpPort", "smtpPort must be from 1 to 65535 (usually 587 or 465).");
        if (!Enum.IsDefined(ImapSecurity)) Bad("imapSecurity", "imapSecurity must be sslOnConnect, startTls or none.");
        if (!Enum.IsDefined(SmtpSecurity)) Bad("smtpSecurity", "smtpSecurity must be sslOnConnect, startTls or none.");
        if (!Enum.IsDefined(Visibility)) Bad("visibility", "visibility must be participants, owner or customerReach.");
        var imapUser = string.IsNullOrWhiteSpace(ImapUser) ? address : ImapUser.Trim();
        var smtpUser = string.IsNullOrWhiteSpace(SmtpUser) ? imapUser : SmtpUser.Trim();
        if (imapUser.Length > 254 || imapUser.Any(char.IsControl)) Bad("imapUser", "imapUser must be at most 254 characters with no line breaks.");
        if (smtpUser.Length > 254 || smtpUser.Any(char.IsControl)) Bad("smtpUser", "smtpUser must be at most 254 characters with no line breaks.");
        var password = Password ?? "";
        if (passwordRequired && password.Length == 0) Bad("password", "Enter the mailbox password (for Gmail and Outlook, an app password).");
        if (password.Length > 500) Bad("password", "password must be at most 500 characters.");
        if (errors.Count > 0) throw new RuleViolation("The mailbox settings are not valid.", errors);

        box.Name = name;
        box.Address = address;
        box.ImapHost = imapHost;
        box.ImapPort = ImapPort;
        box.ImapSecurity = ImapSecurity;
        box.ImapUser = imapUser;
        box.SmtpHost = smtpHost;
        box.SmtpPort = SmtpPort;
        box.SmtpSecurity = SmtpSecurity;
        box.SmtpUser = smtpUser;
        box.Visibility = Visibility;
        box.SyncEnabled = SyncEnabled;
        box.IsSupportAddress = IsSupportAddress;
        if (password.Length > 0) box.PasswordSecret = clients.Seal(password);
    }

    internal static bool IsAddress(string text)
    {
        if (text.Length is 0 or > 254 || text.Any(c => char.IsControl(c) || char.IsWhiteSpace(c))) return false;
        return MailAddress.TryCreate(text, out var parsed) && parsed.Address == text && string.IsNullOrEmpty(parsed.DisplayName);
    }

    private static string Host(string? text, string field, MailClients clients, Action<string, string> bad)
    {
        var host = (text ?? "").Trim();
        if (host.Length is 0 or > 253 || Uri.CheckHostName(host.TrimStart('[').TrimEnd(']')) == UriHostNameType.Unknown)
            bad(field, $"{field} must be a host name such as imap.example.com.");
        else if (clients.HostRefusal(host) is { } refusal) bad(field, refusal);
        return host;
    }
}
