using Kith.Core.Identity;
using Microsoft.Extensions.Time.Testing;

namespace Kith.Core.Tests.Identity;

public sealed class FailureThrottleTests
{
    [Fact]
    public void AKeyIsBlockedAtTheLimitUntilItsOldestFailureLeavesTheWindow()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 9, 0, 0, TimeSpan.Zero));
        var throttle = new FailureThrottle(3, TimeSpan.FromMinutes(15), clock);
        throttle.Fail("a");
        clock.Advance(TimeSpan.FromMinutes(1));
        throttle.Fail("a");
        Assert.Null(throttle.RetryAfter("a"));
        throttle.Fail("a");
        Assert.Equal(TimeSpan.FromMinutes(14), throttle.RetryAfter("a"));
        Assert.Null(throttle.RetryAfter("b"));

        clock.Advance(TimeSpan.FromMinutes(14));
        Assert.Null(throttle.RetryAfter("a"));
    }

    [Fact]
    public void ClearingAKeyForgetsItsFailures()
    {
        var throttle = new FailureThrottle(2, TimeSpan.FromMinutes(15), new FakeTimeProvider());
        throttle.Fail("a");
        throttle.Fail("a");
        Assert.NotNull(throttle.RetryAfter("a"));
        throttle.Clear("a");
        Assert.Null(throttle.RetryAfter("a"));
    }
}
