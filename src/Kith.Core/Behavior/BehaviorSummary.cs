namespace Kith.Core.Behavior;

/// <summary>
/// What a customer did, as the rollup has counted it (<see cref="BehaviorRollup"/>, seconds behind the events at most).
/// Windows are UTC calendar days ending today: the last 7 days are today and the 6 days before it.
/// </summary>
public sealed record BehaviorSummary(
    DateTime? FirstSeenAt,
    DateTime? LastSeenAt,
    DateTime? LastPurchaseAt,
    long Purchases,
    decimal Revenue,
    IReadOnlyList<BehaviorTypeCounts> Types);

/// <summary>Events of one type: all time, and in the last 7, 30 and 90 days.</summary>
public sealed record BehaviorTypeCounts(string Type, long Total, long Last7Days, long Last30Days, long Last90Days);
