using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;

namespace Kith.Core.Tests.Identity;

/// <summary>The sign-in throttle counts in the database, so every node over one database sees the same counts.</summary>
public sealed class SignInThrottleTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, ClassData(typeof(Providers))]
    public async Task SignInsAreThrottledPerAccountIgnoringCaseAndPerAddressAcrossAccountsAndReleasedAsTheWindowMoves(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 9, 0, 0, TimeSpan.Zero));
        // Two contexts stand for two nodes: what one counts, the other sees.
        await using var nodeA = database.Open();
        await using var nodeB = database.Open();
        var a = new SignInThrottle(nodeA, clock);
        var b = new SignInThrottle(nodeB, clock);

        for (var i = 0; i < 5; i++)
        {
            Assert.Null(await b.RetryAfterAsync("ann@example.com", "10.0.0.2", Ct));
            await a.FailAsync(i % 2 == 0 ? "Ann@Example.com" : " ann@example.com", "10.0.0.1", Ct);
            clock.Advance(TimeSpan.FromMinutes(1));
        }
        // The first of the five failures (at 9:00) leaves the window at 9:15; it is 9:05 now.
        Assert.Equal(TimeSpan.FromMinutes(10), await b.RetryAfterAsync("ann@example.com", "10.0.0.2", Ct));
        Assert.Null(await b.RetryAfterAsync("bob@example.com", "10.0.0.2", Ct));

        for (var i = 0; i < 15; i++) await b.FailAsync($"user{i}@example.com", "10.0.0.1", Ct);
        Assert.NotNull(await a.RetryAfterAsync("bob@example.com", "10.0.0.1", Ct));
        Assert.Null(await a.RetryAfterAsync("bob@example.com", "10.0.0.3", Ct));

        await a.SucceededAsync("ANN@example.com", Ct);
        Assert.Null(await b.RetryAfterAsync("ann@example.com", "10.0.0.2", Ct));

        clock.Advance(TimeSpan.FromMinutes(15));
        Assert.Null(await b.RetryAfterAsync("bob@example.com", "10.0.0.1", Ct));
        // Keys are stored only as hashes: no email or address in the table.
        var stored = await nodeA.FailedAttempts.Select(f => f.KeyHash).ToListAsync(Ct);
        Assert.DoesNotContain(stored, k => k.Contains('@') || k.Contains("10.0"));
    }

    [Fact]
    public async Task AttemptsOlderThanTheLongestWindowAreSweptAway()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        // Far from any other test's clock, so this process's once-a-minute sweep is due.
        var clock = new FakeTimeProvider(new DateTimeOffset(2031, 6, 1, 9, 0, 0, TimeSpan.Zero));
        await using var db = database.Open();
        var throttle = new SignInThrottle(db, clock);
        await throttle.FailAsync("old@example.com", "10.0.0.1", Ct);
        clock.Advance(TimeSpan.FromMinutes(16));
        await throttle.FailAsync("new@example.com", "10.0.0.9", Ct);
        Assert.Equal(2, await db.FailedAttempts.CountAsync(Ct));
        Assert.All(await db.FailedAttempts.ToListAsync(Ct), f => Assert.Equal(clock.GetUtcNow().UtcDateTime, f.At));
    }
}
