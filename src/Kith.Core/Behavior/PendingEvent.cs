namespace Kith.Core.Behavior;

/// <summary>
/// An event whose customer does not exist yet: kept with the reference it named (an external id, an email, or the
/// anonymous visitor id of the tracking snippet) until a customer with that reference appears, when it moves into
/// behavior_events (<see cref="AttachPendingEvents"/>). Never counted in any analysis while it waits.
/// </summary>
public sealed class PendingEvent
{
    public long Id { get; set; }
    /// <summary>Unique when present, like <see cref="BehaviorEvent.EventId"/>: a retried batch parks an event once.</summary>
    public string? EventId { get; set; }
    /// <summary><see cref="EventReference.ExternalId"/>, <see cref="EventReference.Email"/> or <see cref="EventReference.Visitor"/>.</summary>
    public string ReferenceKind { get; set; } = "";
    public string ReferenceValue { get; set; } = "";
    public string Type { get; set; } = "";
    public DateTime OccurredAt { get; set; }
    public string? Page { get; set; }
    public string? Properties { get; set; }
    /// <summary>api, import or tracker.</summary>
    public string Source { get; set; } = "";
    public DateTime ReceivedAt { get; set; }
    public long? ImportJobId { get; set; }
    public long? SiteKeyId { get; set; }
}

/// <summary>How an event names its customer when it cannot name Kith's id.</summary>
public static class EventReference
{
    public const string ExternalId = "externalId";
    public const string Email = "email";
    public const string Visitor = "visitor";
}
