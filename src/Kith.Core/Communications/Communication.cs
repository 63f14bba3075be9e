using Kith.Core.Customers;
using Kith.Core.Infrastructure;

namespace Kith.Core.Communications;

public enum Direction { Inbound, Outbound }

/// <summary>How the content is written: plain text, or HTML that <see cref="RichText"/> sanitised before it was stored.</summary>
public enum ContentFormat { Text, Html }

/// <summary>
/// Who may read a communication, always within the reach of its customer. <see cref="Customer"/>: everyone who can see
/// the customer. <see cref="Participants"/>: its user participants and those who manage them (a manager or admin whose
/// reach includes a participant), the default for synced mail.
/// </summary>
public enum CommunicationVisibility { Customer, Participants }

/// <summary>One contact with a customer on any channel: a call, a message, a meeting, a note, with its outcome.</summary>
public sealed class Communication
{
    public long Id { get; set; }
    /// <summary>The id in the system it came from (a phone system, an export); unique when present.</summary>
    public string? ExternalId { get; set; }
    public long CustomerId { get; set; }
    public Customer? Customer { get; set; }
    /// <summary>The company it was also about, when it concerned the customer's company.</summary>
    public long? CompanyId { get; set; }
    /// <summary>phone, email, sms, wechat, weibo, meeting, chat, … (lower-case key of a <see cref="CommunicationChoice"/>).</summary>
    public string Channel { get; set; } = "";
    public Direction? Direction { get; set; }
    public DateTime OccurredAt { get; set; }
    public int? DurationSeconds { get; set; }
    public string? Subject { get; set; }
    /// <summary>Plain text, or sanitised HTML when <see cref="ContentFormat"/> says so.</summary>
    public string? Content { get; set; }
    public ContentFormat ContentFormat { get; set; } = ContentFormat.Text;
    /// <summary>resolved, follow_up, no_answer, interested, not_interested, complaint, … (lower-case key).</summary>
    public string? Outcome { get; set; }
    public CommunicationVisibility Visibility { get; set; } = CommunicationVisibility.Customer;
    /// <summary>The client's Idempotency-Key: the same key from the same user answers with this record instead of a new one.</summary>
    public string? IdempotencyKey { get; set; }
    /// <summary>SHA-256 of the request that created the record, so a key reused for a different request is refused.</summary>
    public string? RequestHash { get; set; }
    public long? ImportJobId { get; set; }
    public DateTime CreatedAt { get; set; }
    public ActorKind CreatedByKind { get; set; }
    public long? CreatedByUserId { get; set; }
    public DateTime? UpdatedAt { get; set; }
    public List<CommunicationParticipant> Participants { get; set; } = [];
    public List<CommunicationAttachment> Attachments { get; set; } = [];
}

/// <summary>A user or a customer who took part. Private communications are visible to their user participants.</summary>
public sealed class CommunicationParticipant
{
    public long Id { get; set; }
    public long CommunicationId { get; set; }
    public long? UserId { get; set; }
    public long? CustomerId { get; set; }
}

/// <summary>A file attached to a communication, kept on disk under the data folder by a generated name.</summary>
public sealed class CommunicationAttachment
{
    public long Id { get; set; }
    public long CommunicationId { get; set; }
    /// <summary>The name the file was uploaded with, only ever shown and offered as a download name.</summary>
    public string FileName { get; set; } = "";
    /// <summary>A random name under data/attachments; never derived from anything the uploader chose.</summary>
    public string StoredName { get; set; } = "";
    public long Size { get; set; }
    public DateTime CreatedAt { get; set; }
    public long? CreatedByUserId { get; set; }
}
