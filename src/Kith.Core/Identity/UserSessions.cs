using System.Security.Cryptography;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Identity;

/// <summary>A session as the profile lists it: never its key.</summary>
public sealed record SessionListItem(long Id, string UserAgent, string Address, DateTime CreatedAt, DateTime LastSeenAt, bool PassedMfa);

/// <summary>
/// Server-side records of signed-in browsers. Every request with a cookie looks its session up (one indexed read),
/// so ending a session, signing out everywhere or disabling a user takes effect at the next request on every node,
/// and also when the change comes from the command line.
/// </summary>
public sealed class UserSessions(KithDb db, TimeProvider clock)
{
    /// <summary>A session nobody used for this long is over, whatever the cookie says.</summary>
    public static readonly TimeSpan IdleLimit = TimeSpan.FromDays(14);
    // Seen-times are written at most this often: a write per request would serialise page loads on SQLite.
    private static readonly TimeSpan s_touchEvery = TimeSpan.FromMinutes(1);

    /// <summary>Starts a session and returns its key, which exists only in the cookie after this call.</summary>
    public async Task<(UserSession Session, string Key)> StartAsync(long userId, string? userAgent, string? address, bool passedMfa, CancellationToken ct = default)
    {
        var key = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var now = clock.GetUtcNow().UtcDateTime;
        var session = new UserSession
        {
            UserId = userId, KeyHash = ApiTokens.Hash(key), CreatedAt = now, LastSeenAt = now,
            UserAgent = Clip(userAgent, 300), Address = Clip(address, 64), PassedMfa = passedMfa,
        };
        db.UserSessions.Add(session);
        await db.SaveChangesAsync(ct);
        return (session, key);
    }

    /// <summary>
    /// The live session of <paramref name="userId"/> with this key, or null when it was ended, went idle too long,
    /// its user was disabled or the user's security stamp moved on (password, role or status changed).
    /// </summary>
    public async Task<UserSession?> FindActiveAsync(long userId, string? key, string? stamp, CancellationToken ct = default)
    {
        if (string.IsNullOrEmpty(key) || key.Length > 100 || stamp is null) return null;
        var hash = ApiTokens.Hash(key);
        var now = clock.GetUtcNow().UtcDateTime;
        var session = await db.UserSessions.AsNoTracking()
            .Where(s => s.KeyHash == hash && s.UserId == userId)
            .Where(s => db.Users.Any(u => u.Id == s.UserId && !u.IsDisabled && u.SecurityStamp == stamp))
            .FirstOrDefaultAsync(ct);
        if (session is null) return null;
        if (now - session.LastSeenAt > IdleLimit)
        {
            await db.UserSessions.Where(s => s.Id == session.Id).ExecuteDeleteAsync(ct);
            return null;
        }
        if (now - session.LastSeenAt > s_touchEvery)
        {
            await db.UserSessions.Where(s => s.Id == session.Id).ExecuteUpdateAsync(u => u.SetProperty(s => s.LastSeenAt, now), ct);
            session.LastSeenAt = now;
        }
        return session;
    }

    public async Task<List<SessionListItem>> ListAsync(long userId, CancellationToken ct = default)
    {
        var since = clock.GetUtcNow().UtcDateTime - IdleLimit;
        var sessions = await db.UserSessions.AsNoTracking().Where(s => s.UserId == userId && s.LastSeenAt > since).ToListAsync(ct);
        return sessions.OrderByDescending(s => s.LastSeenAt)
            .Select(s => new SessionListItem(s.Id, s.UserAgent, s.Address, s.CreatedAt, s.LastSeenAt, s.PassedMfa)).ToList();
    }

    /// <summary>Ends one of the user's own sessions; another user's session id is "not found".</summary>
    public async Task EndAsync(long userId, long sessionId, CancellationToken ct = default)
    {
        if (await db.UserSessions.Where(s => s.Id == sessionId && s.UserId == userId).ExecuteDeleteAsync(ct) == 0)
            throw new NotFound("Session");
    }

    /// <summary>Ends the session with this key (signing out of one browser). Unknown keys are ignored.</summary>
    public Task EndByKeyAsync(string? key, CancellationToken ct = default)
    {
        if (string.IsNullOrEmpty(key) || key.Length > 100) return Task.CompletedTask;
        var hash = ApiTokens.Hash(key);
        return db.UserSessions.Where(s => s.KeyHash == hash).ExecuteDeleteAsync(ct);
    }

    /// <summary>
    /// Signs the user out everywhere: every session ends, and the new security stamp also voids a half-finished
    /// sign-in waiting for its second factor.
    /// </summary>
    public async Task EndAllAsync(long userId, CancellationToken ct = default)
    {
        await db.Users.Where(u => u.Id == userId).ExecuteUpdateAsync(u => u.SetProperty(x => x.SecurityStamp, UserAccounts.NewStamp()), ct);
        await db.UserSessions.Where(s => s.UserId == userId).ExecuteDeleteAsync(ct);
    }

    private static string Clip(string? text, int max)
    {
        text = (text ?? "").Trim();
        return text.Length > max ? text[..max] : text;
    }
}
