using System.Collections.Concurrent;

namespace Kith.Core.Identity;

/// <summary>
/// Counts failures per key in a sliding window, in memory, and says how long a key must wait once it reaches the
/// limit. Used for bearer tokens, which are checked on every API request: a database read per request would cost
/// every honest call, and guessing a 256-bit token is hopeless however many nodes count apart. Sign-in counts are
/// shared through the database instead (<see cref="SignInThrottle"/>).
/// </summary>
public sealed class FailureThrottle(int limit, TimeSpan window, TimeProvider clock)
{
    // Bounds memory when someone sprays random keys: past this, expired entries are swept before adding more.
    private const int SweepAbove = 10_000;
    private readonly ConcurrentDictionary<string, Queue<DateTimeOffset>> _failures = new(StringComparer.Ordinal);

    public int Limit => limit;
    public TimeSpan Window => window;

    /// <summary>How long <paramref name="key"/> must wait before trying again, or null when it may try now.</summary>
    public TimeSpan? RetryAfter(string key)
    {
        if (!_failures.TryGetValue(key, out var queue)) return null;
        var now = clock.GetUtcNow();
        lock (queue)
        {
            Expire(queue, now);
            if (queue.Count < limit) return null;
            // The oldest failure that keeps the count at the limit decides when one more try is allowed.
            var release = queue.ElementAt(queue.Count - limit) + window;
            var wait = release - now;
            return wait > TimeSpan.Zero ? wait : null;
        }
    }

    public void Fail(string key)
    {
        if (_failures.Count > SweepAbove) Sweep();
        var queue = _failures.GetOrAdd(key, _ => new Queue<DateTimeOffset>());
        lock (queue)
        {
            queue.Enqueue(clock.GetUtcNow());
            // Only the last `limit` failures matter for the answer; older ones are dropped.
            while (queue.Count > limit) queue.Dequeue();
        }
    }

    public void Clear(string key) => _failures.TryRemove(key, out _);

    private void Expire(Queue<DateTimeOffset> queue, DateTimeOffset now)
    {
        while (queue.Count > 0 && queue.Peek() + window <= now) queue.Dequeue();
    }

    private void Sweep()
    {
        var now = clock.GetUtcNow();
        foreach (var (key, queue) in _failures)
        {
            lock (queue)
            {
                Expire(queue, now);
                if (queue.Count == 0) _failures.TryRemove(key, out _);
            }
        }
    }
}

/// <summary>Failed bearer tokens per client address: 10 in 5 minutes, far beyond any honest misconfiguration. Per node.</summary>
public sealed class TokenThrottle(TimeProvider clock)
{
    public FailureThrottle Addresses { get; } = new(10, TimeSpan.FromMinutes(5), clock);
}
