namespace Kith.Core.Behavior;

/// <summary>
/// A customer's events of one type, all time: the count, when the first and last happened, and for events that carry
/// an <c>amount</c> property (purchases sent by a website) how many did and their sum. Maintained by <see cref="BehaviorRollup"/>.
/// </summary>
public sealed class BehaviorTotal
{
    public long CustomerId { get; set; }
    public string Type { get; set; } = "";
    public long Events { get; set; }
    public DateTime FirstAt { get; set; }
    public DateTime LastAt { get; set; }
    public long AmountEvents { get; set; }
    public long AmountMicros { get; set; }
}
