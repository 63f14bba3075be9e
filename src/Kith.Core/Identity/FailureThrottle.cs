using System.Collections.Concurrent;

namespace Kith.Core.Identity;

/// <summary>
/// Counts failures per key (an account, a client address) in a sliding window and says how long a key must wait
/// once it reaches the limit. Kept in memory: a restart forgets it, which costs an attacker a restart of our server
/// and keeps the database free of a write per failed guess.
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

/// <summary>
/// Failed sign-ins: per account (5 in 15 minutes) so one account cannot be guessed at, and per client address
/// (20 in 15 minutes) so one client cannot spray many accounts. Unknown accounts count like known ones, so the
/// answers never tell whether an account exists.
/// </summary>
public sealed class SignInThrottle(TimeProvider clock)
{
    public FailureThrottle Accounts { get; } = new(5, TimeSpan.FromMinutes(15), clock);
    public FailureThrottle Addresses { get; } = new(20, TimeSpan.FromMinutes(15), clock);
    /// <summary>Wrong second-factor codes per user (5 in 15 minutes): three codes are valid at a time, out of a million.</summary>
    public FailureThrottle Codes { get; } = new(5, TimeSpan.FromMinutes(15), clock);

    public TimeSpan? RetryAfter(string email, string address)
    {
        var a = Accounts.RetryAfter(UserAccounts.NormalizeEmail(email));
        var b = Addresses.RetryAfter(address);
        return a is null ? b : b is null ? a : a > b ? a : b;
    }

    public void Fail(string email, string address)
    {
        Accounts.Fail(UserAccounts.NormalizeEmail(email));
        Addresses.Fail(address);
    }

    public void Succeeded(string email) => Accounts.Clear(UserAccounts.NormalizeEmail(email));
}

/// <summary>Failed bearer tokens per client address: 10 in 5 minutes, far beyond any honest misconfiguration.</summary>
public sealed class TokenThrottle(TimeProvider clock)
{
    public FailureThrottle Addresses { get; } = new(10, TimeSpan.FromMinutes(5), clock);
}
