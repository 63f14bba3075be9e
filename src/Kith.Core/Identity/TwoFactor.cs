using System.Security.Cryptography;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;
using OtpNet;

namespace Kith.Core.Identity;

/// <summary>The key an authenticator app needs: as text to type and as an otpauth:// URI (what the QR code holds).</summary>
public sealed record AuthenticatorKey(string Key, string Uri);

/// <summary>
/// Two-factor sign-in with time-based one-time passwords (RFC 6238: SHA-1, 6 digits, 30 seconds, what every
/// authenticator app reads) and ten single-use recovery codes. A code is accepted once: the time step it belongs to
/// is recorded, and it and any older code are refused afterwards.
/// </summary>
public sealed class TwoFactor(KithDb db, SecretBox secrets, RoleSettings roles, TimeProvider clock)
{
    public const string Issuer = "Kith";
    public const int RecoveryCodeCount = 10;
    private const string Purpose = "mfa-totp";
    // Base32 without look-alikes (0/O, 1/I/L) so a code read from paper is typed right.
    private const string RecoveryAlphabet = "abcdefghjkmnpqrstuvwxyz23456789";

    public async Task<bool> IsEnabledAsync(long userId, CancellationToken ct = default) =>
        await db.Users.AnyAsync(u => u.Id == userId && u.MfaEnabledAt != null, ct);

    /// <summary>Whether the user's role requires a second factor.</summary>
    public async Task<bool> IsRequiredAsync(long userId, CancellationToken ct = default)
    {
        var role = await db.Users.Where(u => u.Id == userId).Select(u => (Role?)u.Role).FirstOrDefaultAsync(ct);
        return role is { } r && await roles.RequiresMfaAsync(r, ct);
    }

    /// <summary>
    /// Starts enrolment with a fresh key, or returns the key already waiting for its first code (so reloading the
    /// page does not invalidate what the app already scanned).
    /// </summary>
    public async Task<AuthenticatorKey> BeginEnrolmentAsync(long userId, CancellationToken ct = default)
    {
        var user = await ActiveUserAsync(userId, ct);
        if (user.MfaEnabledAt is not null) throw new RuleViolation("Two-factor sign-in is already on.", status: 409);
        if (user.MfaSecret is null)
        {
            user.MfaSecret = secrets.Encrypt(Base32Encoding.ToString(KeyGeneration.GenerateRandomKey(20)), Purpose);
            user.MfaLastStep = 0;
            await db.SaveChangesAsync(ct);
        }
        return KeyOf(user);
    }

    /// <summary>Turns two-factor sign-in on once the app shows a right code; returns the recovery codes, shown this once.</summary>
    public async Task<IReadOnlyList<string>> ConfirmEnrolmentAsync(long userId, string? code, CancellationToken ct = default)
    {
        var user = await ActiveUserAsync(userId, ct);
        if (user.MfaEnabledAt is not null) throw new RuleViolation("Two-factor sign-in is already on.", status: 409);
        if (user.MfaSecret is null) throw new RuleViolation("Start setting up two-factor sign-in first.", status: 409);
        if (!await AcceptTotpAsync(user, code, ct)) throw RuleViolation.Field("code", "The code is not correct. Check the time on your phone and enter the code the app shows now.");
        await db.Users.Where(u => u.Id == userId).ExecuteUpdateAsync(u => u.SetProperty(x => x.MfaEnabledAt, clock.GetUtcNow().UtcDateTime), ct);
        return await ReplaceRecoveryCodesAsync(userId, ct);
    }

    /// <summary>
    /// Checks a second factor at sign-in: a code from the app, or one of the recovery codes, each accepted once.
    /// False for anything else, including users without two-factor sign-in.
    /// </summary>
    public async Task<bool> VerifyAsync(long userId, string? code, CancellationToken ct = default)
    {
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == userId && !u.IsDisabled && u.MfaEnabledAt != null, ct);
        if (user is null || string.IsNullOrWhiteSpace(code) || code.Length > 40) return false;
        return await AcceptTotpAsync(user, code, ct) || await UseRecoveryCodeAsync(userId, code, ct);
    }

    /// <summary>Turns two-factor sign-in off; needs the password and a current code, and is refused when the role requires it.</summary>
    public async Task DisableAsync(long userId, string? password, string? code, CancellationToken ct = default)
    {
        var user = await ActiveUserAsync(userId, ct);
        if (user.MfaEnabledAt is null) throw new RuleViolation("Two-factor sign-in is already off.", status: 409);
        if (await roles.RequiresMfaAsync(user.Role, ct))
            throw new RuleViolation("Your role requires two-factor sign-in, so it cannot be turned off.", status: 409);
        if (!Passwords.Verify(user, password ?? "", out _)) throw RuleViolation.Field("password", "The password is not correct.");
        if (!await VerifyAsync(userId, code, ct)) throw RuleViolation.Field("code", "The code is not correct.");
        await db.Users.Where(u => u.Id == userId).ExecuteUpdateAsync(u => u
            .SetProperty(x => x.MfaSecret, (string?)null).SetProperty(x => x.MfaEnabledAt, (DateTime?)null).SetProperty(x => x.MfaLastStep, 0L), ct);
        await db.MfaRecoveryCodes.Where(c => c.UserId == userId).ExecuteDeleteAsync(ct);
    }

    /// <summary>
    /// A token carries the user's rights without any second factor, so only a session whose sign-in passed one may
    /// create it when the user has two-factor sign-in or their role requires it.
    /// </summary>
    public async Task EnsureMayCreateTokenAsync(long userId, bool sessionPassedMfa, CancellationToken ct = default)
    {
        if (sessionPassedMfa) return;
        if (await IsEnabledAsync(userId, ct) || await IsRequiredAsync(userId, ct))
            throw new Forbidden("Creating a token needs a sign-in with your two-factor code: sign out, sign in again, then create the token.");
    }

    public Task<int> RecoveryCodesLeftAsync(long userId, CancellationToken ct = default) =>
        db.MfaRecoveryCodes.CountAsync(c => c.UserId == userId && c.UsedAt == null, ct);

    /// <summary>The hash a recovery code is stored under; bound to the user so equal codes of two users differ.</summary>
    internal static string RecoveryHash(long userId, string code) =>
        ApiTokens.Hash(userId.ToString(System.Globalization.CultureInfo.InvariantCulture) + ":" + NormalizeCode(code));

    private static string NormalizeCode(string code) =>
        new(code.Where(c => !char.IsWhiteSpace(c) && c != '-').Select(char.ToLowerInvariant).ToArray());

    private AuthenticatorKey KeyOf(User user)
    {
        var key = secrets.Decrypt(user.MfaSecret!, Purpose);
        var label = Uri.EscapeDataString(Issuer) + ":" + Uri.EscapeDataString(user.Email);
        return new AuthenticatorKey(key, $"otpauth://totp/{label}?secret={key}&issuer={Uri.EscapeDataString(Issuer)}&algorithm=SHA1&digits=6&period=30");
    }

    /// <summary>
    /// Accepts a code from the previous, current or next 30 seconds (phones drift), and only when its time step is
    /// newer than the last accepted one; the conditional update makes two simultaneous uses of one code fail once.
    /// </summary>
    private async Task<bool> AcceptTotpAsync(User user, string? code, CancellationToken ct)
    {
        var digits = new string((code ?? "").Where(c => !char.IsWhiteSpace(c)).ToArray());
        if (digits.Length != 6 || !digits.All(char.IsAsciiDigit) || user.MfaSecret is null) return false;
        var totp = new Totp(Base32Encoding.ToBytes(secrets.Decrypt(user.MfaSecret, Purpose)));
        if (!totp.VerifyTotp(clock.GetUtcNow().UtcDateTime, digits, out var step, new VerificationWindow(previous: 1, future: 1))) return false;
        return await db.Users.Where(u => u.Id == user.Id && u.MfaLastStep < step)
            .ExecuteUpdateAsync(u => u.SetProperty(x => x.MfaLastStep, step), ct) == 1;
    }

    private async Task<bool> UseRecoveryCodeAsync(long userId, string code, CancellationToken ct)
    {
        var hash = RecoveryHash(userId, code);
        var now = clock.GetUtcNow().UtcDateTime;
        return await db.MfaRecoveryCodes.Where(c => c.UserId == userId && c.CodeHash == hash && c.UsedAt == null)
            .ExecuteUpdateAsync(u => u.SetProperty(c => c.UsedAt, now), ct) == 1;
    }

    private async Task<IReadOnlyList<string>> ReplaceRecoveryCodesAsync(long userId, CancellationToken ct)
    {
        await db.MfaRecoveryCodes.Where(c => c.UserId == userId).ExecuteDeleteAsync(ct);
        var codes = Enumerable.Range(0, RecoveryCodeCount).Select(_ => NewRecoveryCode()).ToList();
        db.MfaRecoveryCodes.AddRange(codes.Select(c => new MfaRecoveryCode { UserId = userId, CodeHash = RecoveryHash(userId, c) }));
        await db.SaveChangesAsync(ct);
        return codes;
    }

    private static string NewRecoveryCode()
    {
        var chars = RandomNumberGenerator.GetItems<char>(RecoveryAlphabet, 10);
        return new string(chars, 0, 5) + "-" + new string(chars, 5, 5);
    }

    private async Task<User> ActiveUserAsync(long userId, CancellationToken ct) =>
        await db.Users.FirstOrDefaultAsync(u => u.Id == userId && !u.IsDisabled, ct) ?? throw new NotFound("User");
}
