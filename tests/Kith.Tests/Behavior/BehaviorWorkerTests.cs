using Kith.Behavior;

namespace Kith.Tests.Behavior;

/// <summary>The server's rollup rounds: a slow round makes the next one smaller, quick rounds grow back to the limit.</summary>
public sealed class BehaviorWorkerTests
{
    [Fact]
    public void ARoundOverTenSecondsScalesTheNextDownAndQuickerRoundsDoubleItBackUpToTheLimit()
    {
        Assert.Equal(50_000, BehaviorWorker.RowsAfter(100_000, TimeSpan.FromSeconds(20)));
        Assert.Equal(BehaviorWorker.FewestRowsPerRound, BehaviorWorker.RowsAfter(100_000, TimeSpan.FromSeconds(600)));
        Assert.Equal(100_000, BehaviorWorker.RowsAfter(100_000, TimeSpan.FromSeconds(10)));
        Assert.Equal(60_000, BehaviorWorker.RowsAfter(30_000, TimeSpan.FromSeconds(3)));
        Assert.Equal(BehaviorWorker.RowsPerRound, BehaviorWorker.RowsAfter(60_000, TimeSpan.FromSeconds(3)));
    }
}
