using Kith.Core.Customers;
using Kith.Core.Infrastructure;

namespace Kith.Core.Communications;

public enum Direction { Inbound, Outbound }

/// <summary>One contact with a customer on any channel: a call, a message, a meeting, a note, with its outcome.</summary>
public sealed class Communication
{
    public long Id { get; set; }
    /// <summary>The id in the system it came from (a phone system, an export); unique when present.</summary>
    public string? ExternalId { get; set; }
    public long CustomerId { get; set; }
    public Customer? Customer { get; set; }
    /// <summary>phone, email, sms, wechat, weibo, meeting, chat, … (lower-case key).</summary>
    public string Channel { get; set; } = "";
    public Direction? Direction { get; set; }
    public DateTime OccurredAt { get; set; }
    public int? DurationSeconds { get; set; }
    public string? Subject { get; set; }
    /// <summary>Plain text.</summary>
    public string? Content { get; set; }
    /// <summary>resolved, follow_up, no_answer, interested, not_interested, complaint, … (lower-case key).</summary>
    public string? Outcome { get; set; }
    public long? ImportJobId { get; set; }
    public DateTime CreatedAt { get; set; }
    public ActorKind CreatedByKind { get; set; }
    public long? CreatedByUserId { get; set; }
}
