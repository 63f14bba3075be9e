using System.Security.Cryptography;
using System.Text;
using Kith.Core.Infrastructure;
using Kith.Core.Search;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Privacy;

/// <summary>
/// The keyed fingerprints of erased people. The key is derived from data/secret.key (outside the database), so the
/// erased_people table alone cannot be used to test guesses; with the key, only an exact identifier matches.
/// </summary>
public sealed class ErasedPeople(SecretBox secrets)
{
    public const string Email = "email";
    public const string Phone = "phone";
    public const string ExternalId = "externalId";

    private byte[]? _key;

    /// <summary>The fingerprint of one identifier, or null when the value is blank. Phones compare by their digits.</summary>
    public string? Fingerprint(string kind, string? value)
    {
        var normalised = kind switch
        {
            Email => value?.Trim().ToLowerInvariant(),
            Phone => SearchGrams.PhoneDigits(value),
            _ => value?.Trim(),
        };
        if (string.IsNullOrEmpty(normalised)) return null;
        _key ??= secrets.DeriveKey("erased-people");
        return Convert.ToHexStringLower(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(kind + ":" + normalised)));
    }

    /// <summary>The fingerprints of a person's identifiers, each once.</summary>
    public IEnumerable<(string Kind, string Hash)> Fingerprints(IEnumerable<string> emails, IEnumerable<string> phones, IEnumerable<string> externalIds) =>
        emails.Select(v => (Email, Fingerprint(Email, v))).Concat(phones.Select(v => (Phone, Fingerprint(Phone, v))))
            .Concat(externalIds.Select(v => (ExternalId, Fingerprint(ExternalId, v))))
            .Where(f => f.Item2 is not null).Select(f => (f.Item1, f.Item2!)).Distinct();

    /// <summary>Which identifier (email, phone or externalId) names an erased person, or null when none does.</summary>
    public async Task<string?> MatchAsync(KithDb db, string? email, string? phone, string? externalId, CancellationToken ct)
    {
        foreach (var (kind, value) in new[] { (Email, email), (Phone, phone), (ExternalId, externalId) })
        {
            if (Fingerprint(kind, value) is not { } hash) continue;
            if (await db.Set<ErasedPerson>().AnyAsync(e => e.Kind == kind && e.Hash == hash, ct)) return kind;
        }
        return null;
    }

    /// <summary>Every fingerprint, for an import to test each row without a query per row.</summary>
    public async Task<ErasedSet> LoadAsync(KithDb db, CancellationToken ct)
    {
        var all = await db.Set<ErasedPerson>().AsNoTracking().Select(e => e.Kind + ":" + e.Hash).ToListAsync(ct);
        return new ErasedSet(this, all.ToHashSet(StringComparer.Ordinal));
    }

    /// <summary>The refusal a form or the API answers (409).</summary>
    public static RuleViolation Refusal(string field) =>
        new($"This {Describe(field)} belongs to a person who was erased at their request; Kith does not create them again.",
            new Dictionary<string, string[]> { [field] = [$"This {Describe(field)} belongs to an erased person."] }, 409);

    public static string Describe(string field) => field switch { Email => "email", Phone => "phone number", _ => "external id" };
}

/// <summary>The fingerprints loaded once, for an import.</summary>
public sealed class ErasedSet(ErasedPeople people, HashSet<string> hashes)
{
    public string? Match(string? email, string? phone, string? externalId)
    {
        if (hashes.Count == 0) return null;
        foreach (var (kind, value) in new[] { (ErasedPeople.Email, email), (ErasedPeople.Phone, phone), (ErasedPeople.ExternalId, externalId) })
            if (people.Fingerprint(kind, value) is { } hash && hashes.Contains(kind + ":" + hash)) return kind;
        return null;
    }
}
