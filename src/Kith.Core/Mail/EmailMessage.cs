using Kith.Core.Communications;

namespace Kith.Core.Mail;

/// <summary>
/// One email, stored once per database by its Message-ID however many mailboxes or syncs see it. Its timeline
/// entries are <see cref="Communication"/> rows, one per customer whose address appears, joined by <see cref="EmailLink"/>.
/// </summary>
public sealed class EmailMessage
{
    public long Id { get; set; }
    /// <summary>The Message-ID header with its angle brackets stripped, or a stable hash of the envelope when the message has none.</summary>
    public string MessageId { get; set; } = "";
    /// <summary>The mailbox it was first synced from or sent through; null once that mailbox is removed.</summary>
    public long? MailboxId { get; set; }
    /// <summary>The mailbox owner at import: always a participant.</summary>
    public long OwnerId { get; set; }
    /// <summary>The IMAP folder it was read from; null when Kith sent it.</summary>
    public string? Folder { get; set; }
    public long? Uid { get; set; }
    public long? UidValidity { get; set; }
    /// <summary>The first Message-ID of References, else In-Reply-To, else its own: every message of a conversation shares it.</summary>
    public string ThreadKey { get; set; } = "";
    public string? InReplyTo { get; set; }
    /// <summary>The References header, ids separated by spaces.</summary>
    public string? References { get; set; }
    public string FromAddress { get; set; } = "";
    public string? FromName { get; set; }
    /// <summary>Lower-cased addresses separated by ", ".</summary>
    public string ToAddresses { get; set; } = "";
    public string CcAddresses { get; set; } = "";
    public string? Subject { get; set; }
    public DateTime SentAt { get; set; }
    public Direction Direction { get; set; }
    /// <summary>The HTML part after <see cref="RichText.Sanitize"/>; the plain text is the communication's content.</summary>
    public string? HtmlBody { get; set; }
    public MailVisibility Visibility { get; set; }
    public DateTime CreatedAt { get; set; }
}

/// <summary>A Kith user whose address appears on a message (or who owns the mailbox it came through): they may read it.</summary>
public sealed class EmailParticipant
{
    public long EmailMessageId { get; set; }
    public long UserId { get; set; }
}

/// <summary>The timeline entry of one customer for one message.</summary>
public sealed class EmailLink
{
    public long CommunicationId { get; set; }
    public long EmailMessageId { get; set; }
    public long CustomerId { get; set; }
}
