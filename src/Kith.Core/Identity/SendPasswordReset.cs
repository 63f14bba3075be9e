using System.Security.Cryptography;
using Kith.Core.Audit;
using Kith.Core.Infrastructure;
using Kith.Core.Mail;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Identity;

/// <summary>What an administrator sees after sending a reset link: where it went and until when it works.</summary>
public sealed record PasswordResetSent(string SentTo, DateTime ExpiresAt);

/// <summary>
/// Mails a password reset link (<c>/account/reset/{token}</c>) in the user's language. The token is 256 random bits;
/// only its SHA-256 is stored, with the user's security stamp, for <see cref="Lifetime"/>; a new link voids the
/// user's earlier ones. The forgotten-password page calls <see cref="ForEmailAsync"/>, which behaves alike for
/// unknown, disabled and enabled accounts as far as its caller can tell; an administrator calls <see cref="ByAdminAsync"/>.
/// </summary>
public sealed class SendPasswordReset(KithDb db, ISystemMail mail, TimeProvider clock)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(30);

    /// <summary>
    /// Someone asked for a link for <paramref name="email"/>. An enabled user gets one; nothing happens for an unknown
    /// address; a disabled user gets none. Known users' requests are audited, unknown ones are not (the trail must not
    /// become a list of probed addresses).
    /// </summary>
    public async Task ForEmailAsync(string email, string? clientAddress, CancellationToken ct)
    {
        var normalized = UserAccounts.NormalizeEmail(email);
        if (normalized.Length is 0 or > 254) return;
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Email == normalized, ct);
        if (user is null) return;
        var who = new AuditWho(ActorKind.User, null, normalized, null, clientAddress);
        if (user.IsDisabled)
        {
            await db.AuditNowAsync(AuditActions.PasswordResetRequested, "user", user.Id, new { by = "self", refused = "disabled" }, who, ct);
            return;
        }
        await SendAsync(user, who, "self", ct);
    }

    /// <summary>An administrator sends a user a link. A disabled user cannot get one (409).</summary>
    public async Task<PasswordResetSent> ByAdminAsync(long userId, CancellationToken ct)
    {
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == userId, ct) ?? throw new NotFound("User");
        if (user.IsDisabled) throw new RuleViolation("This user is disabled; enable them before sending a password reset link.", status: 409);
        return new PasswordResetSent(user.Email, await SendAsync(user, db.AuditWho, "admin", ct));
    }

    private async Task<DateTime> SendAsync(User user, AuditWho who, string by, CancellationToken ct)
    {
        var token = System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var now = clock.GetUtcNow().UtcDateTime;
        var link = await mail.LinkAsync($"/account/reset/{token}", ct);
        var (subject, text) = Message(user, link);
        // Stored before it is sent, so the link works the moment it arrives; the request is audited whether or not
        // the server then accepts the message.
        await db.PasswordResetTokens.Where(t => t.UserId == user.Id || t.ExpiresAt <= now).ExecuteDeleteAsync(ct);
        var row = new PasswordResetToken
        {
            UserId = user.Id, TokenHash = ApiTokens.Hash(token), Stamp = user.SecurityStamp, CreatedAt = now, ExpiresAt = now + Lifetime,
        };
        db.PasswordResetTokens.Add(row);
        db.Audit(AuditActions.PasswordResetRequested, "user", user.Id, new { by }, who);
        await db.SaveChangesAsync(ct);
        try
        {
            await mail.SendAsync(user.Email, subject, text, null, ct);
        }
        catch
        {
            await db.PasswordResetTokens.Where(t => t.Id == row.Id).ExecuteDeleteAsync(CancellationToken.None);
            throw;
        }
        return now + Lifetime;
    }

    private static (string Subject, string Text) Message(User user, string link) => user.Language == "zh-Hans"
        ? ("重置您的 Kith 密码",
            $"您好：\n\n有人请求重置您在 Kith 的账户（{user.Email}）的密码。如果是您本人，请在 30 分钟内打开下面的链接，设置新密码：\n\n{link}\n\n" +
            "该链接只能使用一次。如果您没有请求重置密码，请忽略这封邮件，您的密码不会改变。\n")
        : ("Reset your Kith password",
            $"Hello,\n\nSomeone asked to reset the password of your Kith account ({user.Email}). If it was you, open this link within 30 minutes and choose a new password:\n\n{link}\n\n" +
            "The link works once. If you did not ask, ignore this message; your password stays as it is.\n");

}
