using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Identity;

/// <summary>At most <see cref="Limit"/> attempts per key within <see cref="Window"/>.</summary>
public sealed record ThrottleRule(string Name, int Limit, TimeSpan Window);

/// <summary>
/// Throttles guessing on the sign-in pages: failed passwords per account and per client address, wrong second-factor
/// codes per user, password reset requests per account and per address. Attempts are rows in the database, so every
/// node over one PostgreSQL counts the same attempts and a guesser gains nothing by spreading over the nodes. Each
/// check is one indexed read on pages that already hash a password; once a key is throttled nothing more is written
/// for it, so the rows per key stay within the limit. Rows older than the longest window are swept at most once a
/// minute per node.
/// </summary>
public sealed class SignInThrottle(KithDb db, TimeProvider clock)
{
    /// <summary>Failed sign-ins per account (typed email, known or not): 5 in 15 minutes.</summary>
    public static readonly ThrottleRule Accounts = new("signin.account", 5, TimeSpan.FromMinutes(15));
    /// <summary>Failed sign-ins and refused reset links per client address: 20 in 15 minutes, so one client cannot spray many accounts.</summary>
    public static readonly ThrottleRule Addresses = new("signin.address", 20, TimeSpan.FromMinutes(15));
    /// <summary>Wrong second-factor codes per user (5 in 15 minutes): three codes are valid at a time, out of a million.</summary>
    public static readonly ThrottleRule Codes = new("signin.code", 5, TimeSpan.FromMinutes(15));
    /// <summary>Password reset requests per typed email: 3 in 15 minutes, so nobody floods a mailbox.</summary>
    public static readonly ThrottleRule ResetAccounts = new("reset.account", 3, TimeSpan.FromMinutes(15));
    /// <summary>Password reset requests per client address: 10 in 15 minutes.</summary>
    public static readonly ThrottleRule ResetAddresses = new("reset.address", 10, TimeSpan.FromMinutes(15));

    private static readonly TimeSpan s_longestWindow = TimeSpan.FromMinutes(15);
    private static readonly TimeSpan s_sweepEvery = TimeSpan.FromMinutes(1);
    private static long s_lastSweepTicks;

    /// <summary>How long to wait before the next try, the longest of the rules' waits; null when every rule allows it.</summary>
    public async Task<TimeSpan?> RetryAfterAsync(CancellationToken ct, params (ThrottleRule Rule, string Key)[] checks)
    {
        TimeSpan? longest = null;
        foreach (var (rule, key) in checks)
            if (await RetryAfterAsync(rule, key, ct) is { } wait && (longest is null || wait > longest)) longest = wait;
        return longest;
    }

    public async Task<TimeSpan?> RetryAfterAsync(ThrottleRule rule, string key, CancellationToken ct = default)
    {
        var hash = ApiTokens.Hash(key);
        var now = clock.GetUtcNow().UtcDateTime;
        var since = now - rule.Window;
        var recent = await db.FailedAttempts.AsNoTracking()
            .Where(f => f.Rule == rule.Name && f.KeyHash == hash && f.At > since)
            .OrderByDescending(f => f.At).Select(f => f.At).Take(rule.Limit).ToListAsync(ct);
        if (recent.Count < rule.Limit) return null;
        // The oldest of the last `limit` attempts decides when one more is allowed.
        var wait = recent[^1] + rule.Window - now;
        return wait > TimeSpan.Zero ? wait : null;
    }

    /// <summary>Counts one attempt against each rule and key, in one write.</summary>
    public async Task FailAsync(CancellationToken ct, params (ThrottleRule Rule, string Key)[] attempts)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        foreach (var (rule, key) in attempts)
            db.FailedAttempts.Add(new FailedAttempt { Rule = rule.Name, KeyHash = ApiTokens.Hash(key), At = now });
        await db.SaveChangesAsync(ct);
        await SweepAsync(now, ct);
    }

    public Task FailAsync(ThrottleRule rule, string key, CancellationToken ct = default) => FailAsync(ct, (rule, key));

    /// <summary>Forgets a key's attempts against a rule (a right password or code).</summary>
    public Task ClearAsync(ThrottleRule rule, string key, CancellationToken ct = default)
    {
        var hash = ApiTokens.Hash(key);
        return db.FailedAttempts.Where(f => f.Rule == rule.Name && f.KeyHash == hash).ExecuteDeleteAsync(ct);
    }

    /// <summary>A password sign-in: the account's and the address's waits.</summary>
    public Task<TimeSpan?> RetryAfterAsync(string email, string address, CancellationToken ct = default) =>
        RetryAfterAsync(ct, (Accounts, UserAccounts.NormalizeEmail(email)), (Addresses, address));

    public Task FailAsync(string email, string address, CancellationToken ct = default) =>
        FailAsync(ct, (Accounts, UserAccounts.NormalizeEmail(email)), (Addresses, address));

    public Task SucceededAsync(string email, CancellationToken ct = default) => ClearAsync(Accounts, UserAccounts.NormalizeEmail(email), ct);

    /// <summary>The key of a user's second-factor codes.</summary>
    public static string CodeKey(long userId) => "user:" + userId.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private async Task SweepAsync(DateTime now, CancellationToken ct)
    {
        var last = Interlocked.Read(ref s_lastSweepTicks);
        if (Math.Abs(now.Ticks - last) < s_sweepEvery.Ticks || Interlocked.CompareExchange(ref s_lastSweepTicks, now.Ticks, last) != last) return;
        var before = now - s_longestWindow;
        await db.FailedAttempts.Where(f => f.At < before).ExecuteDeleteAsync(ct);
    }
}
