using Kith.Core.Audit;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Identity;

/// <summary>
/// Sets a new password with a reset link. The link works once, for 30 minutes, for the user it was sent to, while
/// their security stamp is the one it was sent with and they are enabled. The new password follows the usual policy;
/// every session of the user ends. The user then signs in as usual, so a second factor is still asked for.
/// </summary>
public sealed class ResetPassword(KithDb db, TimeProvider clock)
{
    /// <summary>The user a link belongs to while it works, else null. Reading does not use the link up.</summary>
    public async Task<User?> FindUserAsync(string? token, CancellationToken ct = default) =>
        await FindAsync(token, ct) is { } found && found.Refusal is null ? found.User : null;

    /// <summary>
    /// Sets <paramref name="password"/> for the link's user and returns them, or returns null (audited as refused) when
    /// the link does not work. A password the policy refuses throws a <see cref="RuleViolation"/> on "password" and
    /// leaves the link usable.
    /// </summary>
    public async Task<User?> HandleAsync(string? token, string? password, AuditWho who, CancellationToken ct = default)
    {
        var found = await FindAsync(token, ct);
        if (found is not { Refusal: null, Row: { } row, User: { } user })
        {
            await db.AuditNowAsync(AuditActions.PasswordResetRefused, "user", found?.User?.Id, new { reason = found?.Refusal ?? "unknown" }, who, ct);
            return null;
        }
        Passwords.Ensure(password ?? "", user.Email, "password");
        // The conditional delete makes the link single-use even when two requests race with it.
        if (await db.PasswordResetTokens.Where(t => t.Id == row.Id).ExecuteDeleteAsync(ct) == 0)
        {
            await db.AuditNowAsync(AuditActions.PasswordResetRefused, "user", user.Id, new { reason = "used" }, who, ct);
            return null;
        }
        var tracked = await db.Users.FirstAsync(u => u.Id == user.Id, ct);
        tracked.PasswordHash = Passwords.Hash(tracked, password!);
        tracked.SecurityStamp = UserAccounts.NewStamp();
        db.Audit(AuditActions.PasswordResetCompleted, "user", user.Id, new { user.Email }, who with { UserId = user.Id, Email = user.Email });
        await db.SaveChangesAsync(ct);
        await db.UserSessions.Where(s => s.UserId == user.Id).ExecuteDeleteAsync(ct);
        await db.PasswordResetTokens.Where(t => t.UserId == user.Id).ExecuteDeleteAsync(ct);
        return tracked;
    }

    private sealed record Found(PasswordResetToken? Row, User? User, string? Refusal);

    private async Task<Found?> FindAsync(string? token, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 100) return null;
        var hash = ApiTokens.Hash(token);
        var row = await db.PasswordResetTokens.AsNoTracking().FirstOrDefaultAsync(t => t.TokenHash == hash, ct);
        if (row is null) return null;
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == row.UserId, ct);
        var refusal = user is null ? "unknown"
            : row.ExpiresAt <= clock.GetUtcNow().UtcDateTime ? "expired"
            : user.IsDisabled ? "disabled"
            : user.SecurityStamp != row.Stamp ? "stamp"
            : null;
        return new Found(row, user, refusal);
    }
}
