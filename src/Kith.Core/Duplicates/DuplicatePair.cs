namespace Kith.Core.Duplicates;

public enum DuplicateStatus { Open, Dismissed, Merged }

/// <summary>
/// Two customers that may be one person, found at import or by a scan, with a score and the reasons.
/// <see cref="CustomerId"/> is always the smaller id, so a pair is stored once.
/// </summary>
public sealed class DuplicatePair
{
    public long Id { get; set; }
    public long CustomerId { get; set; }
    public long OtherCustomerId { get; set; }
    public bool IsExact { get; set; }
    public double Score { get; set; }
    /// <summary>Why they look alike, e.g. "same phone; similar name (0.93)".</summary>
    public string Reasons { get; set; } = "";
    public DuplicateStatus Status { get; set; }
    public DateTime FoundAt { get; set; }
    public long? ImportJobId { get; set; }
    public DateTime? ResolvedAt { get; set; }
    public long? ResolvedByUserId { get; set; }
}

/// <summary>
/// One customer merged into another: what the survivor looked like before, and which related records moved, so the
/// merge can be undone. The merged customer stays as a hidden record pointing at the survivor, which keeps its
/// external id resolvable.
/// </summary>
public sealed class CustomerMerge
{
    public long Id { get; set; }
    public long SurvivorId { get; set; }
    public long MergedId { get; set; }
    /// <summary>The survivor's fields before the merge, as JSON.</summary>
    public string SurvivorBefore { get; set; } = "{}";
    /// <summary>Ids of the related records moved to the survivor, per kind, as JSON.</summary>
    public string Moved { get; set; } = "{}";
    public long? ImportJobId { get; set; }
    public Infrastructure.ActorKind MergedByKind { get; set; }
    public long? MergedByUserId { get; set; }
    public DateTime MergedAt { get; set; }
    public DateTime? UndoneAt { get; set; }
}
