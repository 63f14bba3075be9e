using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Tags;

/// <summary>Turns tag names typed by a user into tags, creating those used for the first time; names match ignoring case.</summary>
public sealed class TagSet(KithDb db)
{
    public const int MaxLength = 50;

    /// <summary>Characters that separate tags in an imported cell.</summary>
    public static readonly char[] Separators = [',', ';', '，', '；', '、'];

    public static string Normalize(string name) => name.Trim().ToLowerInvariant();

    public async Task<List<Tag>> ResolveAsync(IEnumerable<string?> names, string field, CancellationToken ct)
    {
        var wanted = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in names)
        {
            var name = (raw ?? "").Trim();
            if (name.Length == 0) continue;
            if (name.Length > MaxLength) throw RuleViolation.Field(field, $"A tag may have at most {MaxLength} characters: '{name[..20]}…'.");
            // The importer reads these as separators between tags, so a tag holding one would not survive export then import.
            if (name.IndexOfAny(Separators) >= 0) throw RuleViolation.Field(field, $"A tag may not contain , ; ， ； or 、: '{name}'.");
            wanted.TryAdd(Normalize(name), name);
        }
        if (wanted.Count == 0) return [];
        var keys = wanted.Keys.ToArray();
        var found = await db.Tags.Where(t => keys.Contains(t.NormalizedName)).ToListAsync(ct);
        foreach (var (key, name) in wanted)
        {
            if (found.Any(t => t.NormalizedName == key)) continue;
            var local = db.Tags.Local.FirstOrDefault(t => t.NormalizedName == key);
            if (local is null)
            {
                local = new Tag { Name = name, NormalizedName = key };
                db.Tags.Add(local);
            }
            found.Add(local);
        }
        return found;
    }

    /// <summary>All tag names, for pickers.</summary>
    public Task<List<string>> AllAsync(CancellationToken ct = default) =>
        db.Tags.AsNoTracking().OrderBy(t => t.NormalizedName).Select(t => t.Name).ToListAsync(ct);
}
