using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Listing;

/// <summary>The tag names of a few records, each record's in the order of their normalised names.</summary>
public static class RecordTags
{
    /// <summary>
    /// One query over the join table's rows of these records. Not a collection in the records' own projection: EF
    /// writes that as a LEFT JOIN to the whole join table as a subquery, which SQLite materialises with an automatic
    /// index on every call (400 ms at 300,000 tagged customers, for a page of 50; ADR-0057).
    /// </summary>
    public static async Task<ILookup<long, string>> ReadAsync(KithDb db, ListSchema schema, IReadOnlyCollection<long> ids, CancellationToken ct)
    {
        var column = schema.TagJoinColumn;
        var list = ids.ToArray();
        var rows = await db.Set<Dictionary<string, object>>(schema.TagJoinTable)
            .Where(j => list.Contains(EF.Property<long>(j, column)))
            .Join(db.Tags, j => EF.Property<long>(j, "tag_id"), t => t.Id, (j, t) => new { Id = EF.Property<long>(j, column), t.Name, t.NormalizedName })
            // By record first, so that SQLite reads the join table by the records' ids rather than walking every tag in name order.
            .OrderBy(r => r.Id).ThenBy(r => r.NormalizedName)
            .ToListAsync(ct);
        return rows.ToLookup(r => r.Id, r => r.Name);
    }
}
