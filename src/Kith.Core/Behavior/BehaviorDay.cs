namespace Kith.Core.Behavior;

/// <summary>
/// How many events of one type a customer had on one UTC day: the bucket the 7, 30 and 90-day counts are summed from.
/// Maintained by <see cref="BehaviorRollup"/>; never written anywhere else.
/// </summary>
public sealed class BehaviorDay
{
    public long CustomerId { get; set; }
    public string Type { get; set; } = "";
    public DateOnly Day { get; set; }
    public long Events { get; set; }
    // Kept per day so that the all-time totals of a full rebuild are summed from the days, one pass over the events.
    public DateTime FirstAt { get; set; }
    public DateTime LastAt { get; set; }
    public long AmountEvents { get; set; }
    public long AmountMicros { get; set; }
}
