using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Audit;

/// <summary>
/// The key that seals the details of a person's audit entries (the old and new values of their record, or of one of
/// their cases). Entries can
/// never change, or the chain breaks; erasing the person deletes this key instead, so what the entries said about
/// them can no longer be read by anyone while every hash still verifies (crypto-shredding, ADR-0010).
/// </summary>
public sealed class AuditSubjectKey
{
    public const string Customer = "customer", Case = "case";

    /// <summary>The targets whose entries describe a person: their record, and their service cases.</summary>
    public static readonly string[] PersonalTargets = [Customer, Case];

    public string TargetType { get; set; } = "";
    public string TargetId { get; set; } = "";
    public byte[] Key { get; set; } = [];
}

/// <summary>Seals and opens entry details with the subject's key: <c>sealed:v1:</c> + base64(nonce, tag, ciphertext).</summary>
public static class AuditSealedDetails
{
    private const string Prefix = "sealed:v1:";
    private const int NonceSize = 12, TagSize = 16;

    /// <summary>What reading an entry shows once its person was erased.</summary>
    public const string Erased = """{"erased":true}""";

    public static bool IsSealed(string? details) => details is not null && details.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>Whether entries on this target carry a person's data and so are sealed.</summary>
    public static bool Applies(AuditEntry entry) =>
        entry.TargetType is { } type && AuditSubjectKey.PersonalTargets.Contains(type) && entry.TargetId is not null && entry.Details is not null;

    public static string Seal(byte[] key, string details)
    {
        var plain = Encoding.UTF8.GetBytes(details);
        var sealedBytes = new byte[NonceSize + TagSize + plain.Length];
        var nonce = sealedBytes.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, TagSize);
        aes.Encrypt(nonce, plain, sealedBytes.AsSpan(NonceSize + TagSize), sealedBytes.AsSpan(NonceSize, TagSize));
        return Prefix + Convert.ToBase64String(sealedBytes);
    }

    public static string Open(byte[]? key, string details)
    {
        if (!IsSealed(details)) return details;
        if (key is null) return Erased;
        var sealedBytes = Convert.FromBase64String(details[Prefix.Length..]);
        var plain = new byte[sealedBytes.Length - NonceSize - TagSize];
        using var aes = new AesGcm(key, TagSize);
        aes.Decrypt(sealedBytes.AsSpan(0, NonceSize), sealedBytes.AsSpan(NonceSize + TagSize), sealedBytes.AsSpan(NonceSize, TagSize), plain);
        return Encoding.UTF8.GetString(plain);
    }

    /// <summary>Seals the details of the entries about people, creating a subject's key on its first entry.</summary>
    internal static async Task SealAsync(Infrastructure.KithDb db, IReadOnlyList<AuditEntry> entries, CancellationToken ct)
    {
        var keys = new Dictionary<(string, string), byte[]>();
        foreach (var group in entries.Where(Applies).GroupBy(e => e.TargetType!))
        {
            var ids = group.Select(e => e.TargetId!).Distinct().ToList();
            foreach (var k in await db.AuditSubjectKeys.Where(k => k.TargetType == group.Key && ids.Contains(k.TargetId)).ToListAsync(ct))
                keys[(k.TargetType, k.TargetId)] = k.Key;
            foreach (var id in ids.Where(id => !keys.ContainsKey((group.Key, id))))
            {
                var key = RandomNumberGenerator.GetBytes(32);
                db.AuditSubjectKeys.Add(new AuditSubjectKey { TargetType = group.Key, TargetId = id, Key = key });
                keys[(group.Key, id)] = key;
            }
        }
        foreach (var entry in entries.Where(Applies)) entry.Details = Seal(keys[(entry.TargetType!, entry.TargetId!)], entry.Details!);
    }

    /// <summary>The readable details of a page of entries: opened with their subjects' keys, or <see cref="Erased"/>.</summary>
    internal static async Task<Func<AuditEntry, string?>> OpenerAsync(Infrastructure.KithDb db, IReadOnlyList<AuditEntry> entries, CancellationToken ct)
    {
        var keys = new Dictionary<(string, string), byte[]>();
        foreach (var group in entries.Where(e => IsSealed(e.Details) && e.TargetType is not null && e.TargetId is not null).GroupBy(e => e.TargetType!))
        {
            var ids = group.Select(e => e.TargetId!).Distinct().ToList();
            foreach (var k in await db.AuditSubjectKeys.AsNoTracking().Where(k => k.TargetType == group.Key && ids.Contains(k.TargetId)).ToListAsync(ct))
                keys[(k.TargetType, k.TargetId)] = k.Key;
        }
        return e => e.Details is null ? null
            : Open(e.TargetType is { } type && e.TargetId is { } id ? keys.GetValueOrDefault((type, id)) : null, e.Details);
    }
}
