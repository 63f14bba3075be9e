using Kith.Core.Customers;

namespace Kith.Core.Behavior;

/// <summary>Something a customer did: a visit (access), a like, a purchase, or a custom event type.</summary>
public sealed class BehaviorEvent
{
    public long Id { get; set; }
    /// <summary>The sender's id for the event; unique when present, so a retried batch or a re-run import never counts twice.</summary>
    public string? EventId { get; set; }
    public long CustomerId { get; set; }
    public Customer? Customer { get; set; }
    /// <summary>access, like, purchase, or a custom type (lower-case key).</summary>
    public string Type { get; set; } = "";
    public DateTime OccurredAt { get; set; }
    public string? Page { get; set; }
    /// <summary>Further properties as a JSON object, or null.</summary>
    public string? Properties { get; set; }
    public long? ImportJobId { get; set; }
}
