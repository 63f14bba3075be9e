using System.Security.Cryptography;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;

namespace Kith.Core.Behavior;

/// <summary>A site key as the admin page and the API show it, with the snippet to paste into the website.</summary>
public sealed record SiteKeyItem(long Id, string Name, string Key, IReadOnlyList<string> AllowedOrigins, DateTime CreatedAt, DateTime? RevokedAt)
{
    public static SiteKeyItem From(SiteKey k) => new(k.Id, k.Name, k.Key, k.Origins, k.CreatedAt, k.RevokedAt);

    /// <summary>The two script tags a website adds; <paramref name="kithUrl"/> is where this Kith answers (https://crm.example.com).</summary>
    public string Snippet(string kithUrl) =>
        "<script>window.kith=window.kith||function(){(kith.q=kith.q||[]).push(arguments)};kith('page');</script>\n" +
        $"<script async src=\"{kithUrl.TrimEnd('/')}/t.js\" data-key=\"{Key}\"></script>";
}

/// <summary>The input of <see cref="CreateSiteKey"/>: a name, and the origins (https://shop.example.com) allowed to send with it.</summary>
public sealed record SiteKeyInput(string Name, IReadOnlyList<string> AllowedOrigins);

/// <summary>An administrator creates a key for a website; it can only send events, and only from its allowed origins.</summary>
public sealed class CreateSiteKey(KithDb db, TimeProvider clock)
{
    public const string KeyPrefix = "site_";

    public async Task<SiteKeyItem> HandleAsync(SiteKeyInput input, AccessScope scope, CancellationToken ct)
    {
        if (!scope.IsAdmin) throw new Forbidden("Only administrators manage site keys.");
        var name = (input.Name ?? "").Trim();
        if (name.Length is 0 or > 100) throw RuleViolation.Field("name", "A site key needs a name of 1 to 100 characters.");
        var origins = new List<string>();
        foreach (var raw in input.AllowedOrigins ?? [])
        {
            if (string.IsNullOrWhiteSpace(raw)) continue;
            origins.Add(Origin(raw.Trim()) ?? throw RuleViolation.Field("allowedOrigins",
                $"'{raw.Trim()}' is not an origin; write the scheme and host of the website, such as https://shop.example.com."));
        }
        if (origins.Count == 0) throw RuleViolation.Field("allowedOrigins", "Name at least one origin the website runs on, such as https://shop.example.com.");
        var key = new SiteKey
        {
            Name = name, Key = KeyPrefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
            AllowedOrigins = string.Join('\n', origins.Distinct(StringComparer.Ordinal)),
            CreatedByUserId = scope.UserId, CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        db.SiteKeys.Add(key);
        await db.SaveChangesAsync(ct);
        return SiteKeyItem.From(key);
    }

    /// <summary>scheme://host[:port] in the form browsers send in the Origin header, or null when it is not one.</summary>
    public static string? Origin(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")) return null;
        if (uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.UserInfo.Length > 0) return null;
        return uri.IsDefaultPort ? $"{uri.Scheme}://{uri.IdnHost}" : $"{uri.Scheme}://{uri.IdnHost}:{uri.Port}";
    }
}
