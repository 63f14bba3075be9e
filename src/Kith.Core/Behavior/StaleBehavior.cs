namespace Kith.Core.Behavior;

/// <summary>
/// A customer whose rollup must be counted again from their events: their events or purchases moved (merge, undo) or
/// were removed (import revert). The catch-up recounts these customers and clears the mark.
/// </summary>
public sealed class StaleBehavior
{
    public long CustomerId { get; set; }
}
