using Kith.Core.Identity;

namespace Kith.Core.Mail;

/// <summary>How Kith secures the connection to a mail server.</summary>
public enum MailSecurity { SslOnConnect, StartTls, None }

/// <summary>
/// Who reads mail synced from a mailbox. The default, <see cref="Participants"/>: the mailbox owner, the Kith users
/// whose addresses appear on the message, and the managers of their teams (and administrators).
/// <see cref="Owner"/> narrows it to the owner (and administrators); <see cref="CustomerReach"/> widens it to
/// everyone who reaches the customer.
/// </summary>
public enum MailVisibility { Participants, Owner, CustomerReach }

/// <summary>A user's mail account, read over IMAP and written through SMTP. The password is sealed by <see cref="Infrastructure.SecretBox"/>.</summary>
public sealed class Mailbox
{
    public long Id { get; set; }
    public long OwnerId { get; set; }
    public User? Owner { get; set; }
    public string Name { get; set; } = "";
    /// <summary>The address mail is sent from; trimmed and lower-cased. Mail from it is outbound.</summary>
    public string Address { get; set; } = "";
    public string ImapHost { get; set; } = "";
    public int ImapPort { get; set; }
    public MailSecurity ImapSecurity { get; set; }
    public string ImapUser { get; set; } = "";
    public string SmtpHost { get; set; } = "";
    public int SmtpPort { get; set; }
    public MailSecurity SmtpSecurity { get; set; }
    public string SmtpUser { get; set; } = "";
    /// <summary>Sealed with <see cref="Infrastructure.SecretBox"/>; never leaves the server.</summary>
    public string PasswordSecret { get; set; } = "";
    public MailVisibility Visibility { get; set; }
    public bool SyncEnabled { get; set; } = true;
    /// <summary>A support address: incoming mail opens a service case for its sender, or continues the case of its thread.</summary>
    public bool IsSupportAddress { get; set; }
    /// <summary>Set by "Sync now"; the worker clears it when it runs the sync.</summary>
    public DateTime? SyncRequestedAt { get; set; }
    public DateTime? LastSyncAt { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// <summary>Where the sync of one IMAP folder stopped: the UIDs below <see cref="LastUid"/> are done for this UIDVALIDITY.</summary>
public sealed class MailboxFolder
{
    public long Id { get; set; }
    public long MailboxId { get; set; }
    public string Name { get; set; } = "";
    public long UidValidity { get; set; }
    public long LastUid { get; set; }
}
