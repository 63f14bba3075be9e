namespace Kith.Core.Behavior;

/// <summary>
/// How many events of one type a customer had on one UTC day: the bucket the 7, 30 and 90-day counts are summed from.
/// Only days a window can still count are written (from <see cref="BehaviorQueries.FirstKeptDay"/> on, ADR-0035): older
/// rows are left behind until the next rebuild and never read. Maintained by <see cref="BehaviorRollup"/>; never written anywhere else.
/// </summary>
public sealed class BehaviorDay
{
    public long CustomerId { get; set; }
    public string Type { get; set; } = "";
    public DateOnly Day { get; set; }
    public long Events { get; set; }
    // Kept per day for the personal-data export; the all-time totals are counted from the events (ADR-0035).
    public DateTime FirstAt { get; set; }
    public DateTime LastAt { get; set; }
    public long AmountEvents { get; set; }
    public long AmountMicros { get; set; }
}
