using System.Security.Cryptography;
using System.Text;
using Kith.Core.Audit;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Identity;

/// <summary>Creates, lists and revokes API tokens. A token is shown once; only its hash is kept.</summary>
public sealed class ApiTokens(KithDb db, TimeProvider clock)
{
    public const string TokenPrefix = "kith_";

    public static string Hash(string token) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>Returns the stored token and the secret, which exists nowhere else after this call.</summary>
    public async Task<(ApiToken Token, string Secret)> CreateAsync(long userId, string name, CancellationToken ct = default)
    {
        name = name.Trim();
        if (name.Length is 0 or > 100) throw RuleViolation.Field("name", "A token needs a name of 1 to 100 characters.");
        if (!await db.Users.AnyAsync(u => u.Id == userId && !u.IsDisabled, ct)) throw new NotFound("User");
        var secret = TokenPrefix + System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var token = new ApiToken
        {
            UserId = userId, Name = name, TokenHash = Hash(secret), Prefix = secret[..12],
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        db.ApiTokens.Add(token);
        db.Audit(AuditActions.TokenCreated, "token", token, new { token.Name, token.UserId, token.Prefix });
        await db.SaveChangesAsync(ct);
        return (token, secret);
    }

    public Task<List<ApiToken>> ListAsync(long userId, CancellationToken ct = default) =>
        db.ApiTokens.AsNoTracking().Where(t => t.UserId == userId).OrderByDescending(t => t.Id).ToListAsync(ct);

    /// <summary>Tokens as lists and the API show them: the prefix to recognise one, never the hash.</summary>
    public async Task<List<ApiTokenItem>> ListItemsAsync(long userId, CancellationToken ct = default) =>
        (await ListAsync(userId, ct)).Select(ApiTokenItem.From).ToList();

    /// <summary>Revokes any token: for the command line, run by whoever holds the database.</summary>
    public async Task RevokeAsync(long tokenId, CancellationToken ct = default)
    {
        var token = await db.ApiTokens.FirstOrDefaultAsync(t => t.Id == tokenId, ct) ?? throw new NotFound("Token");
        if (token.RevokedAt is null) db.Audit(AuditActions.TokenRevoked, "token", token.Id, new { token.Name, token.UserId });
        token.RevokedAt ??= clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(ct);
    }

    /// <summary>Revokes one of the user's tokens (an admin may revoke anyone's). Effective on the next request.</summary>
    public async Task RevokeAsync(AccessScope caller, long tokenId, CancellationToken ct = default)
    {
        var token = await db.ApiTokens.FirstOrDefaultAsync(t => t.Id == tokenId && (caller.IsAdmin || t.UserId == caller.UserId), ct)
                    ?? throw new NotFound("Token");
        if (token.RevokedAt is null) db.Audit(AuditActions.TokenRevoked, "token", token.Id, new { token.Name, token.UserId });
        token.RevokedAt ??= clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(ct);
    }

}

public sealed record ApiTokenItem(long Id, long UserId, string Name, string Prefix, DateTime CreatedAt, DateTime? LastUsedAt, DateTime? RevokedAt)
{
    public static ApiTokenItem From(ApiToken t) => new(t.Id, t.UserId, t.Name, t.Prefix, t.CreatedAt, t.LastUsedAt, t.RevokedAt);
}
