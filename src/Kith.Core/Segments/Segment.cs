namespace Kith.Core.Segments;

/// <summary>
/// A named, dynamic group of customers: a filter in the customer filter language, behaviour conditions included.
/// It is evaluated whenever it is used (a list, an export), so it is always current; its members are also recorded
/// on each refresh, so entering and leaving it is known.
/// </summary>
public sealed class Segment
{
    public long Id { get; set; }
    /// <summary>The name in the filter language, <c>segment eq at-risk-buyers</c>: [a-z0-9-], unique.</summary>
    public string Key { get; set; } = "";
    public string Name { get; set; } = "";
    public string? Description { get; set; }
    public string Filter { get; set; } = "";
    public long CreatedByUserId { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    /// <summary>Members at the last refresh; null before the first one.</summary>
    public long? MemberCount { get; set; }
    public DateTime? RefreshedAt { get; set; }
    /// <summary>Why the last refresh failed (the filter names a field that was removed, say), or null.</summary>
    public string? RefreshError { get; set; }
}

/// <summary>A customer in a segment as of its last refresh, and since when.</summary>
public sealed class SegmentMember
{
    public long SegmentId { get; set; }
    public long CustomerId { get; set; }
    public DateTime EnteredAt { get; set; }
}

/// <summary>A customer entering or leaving a segment, found by a refresh.</summary>
public sealed class SegmentChange
{
    public long Id { get; set; }
    public long SegmentId { get; set; }
    public long CustomerId { get; set; }
    public bool Entered { get; set; }
    public DateTime At { get; set; }
}
