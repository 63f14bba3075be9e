using System.ComponentModel.DataAnnotations;
using Kith.Core.Tasks;

namespace Kith.Core.Communications;

/// <summary>
/// What is logged: the body of POST/PUT /api/v1/communications, the model of the "Log activity" dialog, and what
/// mail sync hands to <see cref="LogCommunication.RecordAsync"/>.
/// </summary>
public sealed class CommunicationInput
{
    public const int MaxContentLength = 100_000;

    public long CustomerId { get; set; }
    public long? CompanyId { get; set; }
    /// <summary>A key from GET /api/v1/channels; it must be enabled.</summary>
    public string? Channel { get; set; }
    public Direction? Direction { get; set; }
    /// <summary>When it happened; now when left out.</summary>
    public DateTimeOffset? OccurredAt { get; set; }
    public int? DurationSeconds { get; set; }
    [MaxLength(500)] public string? Subject { get; set; }
    public string? Content { get; set; }
    /// <summary>text (the default) or html; html is sanitised before it is stored.</summary>
    public ContentFormat ContentFormat { get; set; } = ContentFormat.Text;
    /// <summary>A key from GET /api/v1/outcomes.</summary>
    public string? Outcome { get; set; }
    public CommunicationVisibility Visibility { get; set; } = CommunicationVisibility.Customer;
    /// <summary>Users who took part besides the one logging it (who always is a participant when a user logs it).</summary>
    public List<long> ParticipantUserIds { get; set; } = [];
    /// <summary>Other customers who took part; the communication shows on their timelines too.</summary>
    public List<long> ParticipantCustomerIds { get; set; } = [];
    /// <summary>An id in the sending system (a call id, a Message-ID); a second record with the same id is refused.</summary>
    [MaxLength(100)] public string? ExternalId { get; set; }
    /// <summary>A task to create with it, related to the same customer and to this communication.</summary>
    public TaskInput? FollowUp { get; set; }
}
