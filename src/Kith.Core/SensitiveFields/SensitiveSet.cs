using Kith.Core.CustomFields;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.SensitiveFields;

/// <summary>
/// The customer fields marked sensitive, read from the database on each use (a save, a list), so every node and
/// every long-lived context follows a marking at once. <see cref="Restricted"/> also holds fields being converted
/// either way: their stored values are mixed, so only lookups and exact matches find them all.
/// </summary>
public sealed class SensitiveSet
{
    public static readonly SensitiveSet None = new([]);

    private readonly HashSet<string> _sensitive;

    public SensitiveSet(IEnumerable<SensitiveField> rows)
    {
        var list = rows.Where(r => r.Entity == CustomFieldEntity.Customer).ToList();
        _sensitive = list.Where(r => r.Sensitive).Select(r => r.Field).ToHashSet(StringComparer.Ordinal);
        Restricted = list.Select(r => r.Field).ToHashSet(StringComparer.Ordinal);
        CustomKeys = _sensitive.Where(SealableFields.IsCustom).Select(f => f[3..]).ToList();
    }

    public IReadOnlySet<string> Restricted { get; }

    public IReadOnlyList<string> CustomKeys { get; }

    public bool IsEmpty => Restricted.Count == 0;

    public bool Contains(string field) => _sensitive.Contains(field);

    public bool IsRestricted(string field) => Restricted.Contains(field);

    public static SensitiveSet Load(KithDb db) => new(db.Set<SensitiveField>().AsNoTracking().ToList());

    public static async Task<SensitiveSet> LoadAsync(KithDb db, CancellationToken ct) =>
        new(await db.Set<SensitiveField>().AsNoTracking().ToListAsync(ct));
}
