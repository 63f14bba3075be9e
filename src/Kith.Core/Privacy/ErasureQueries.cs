using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Privacy;

public sealed record ErasureListItem(long Id, DateTime ErasedAt, long? ErasedByUserId, string? ErasedByName, string Reason,
    IReadOnlyDictionary<string, int> Counts, int Files, string? Scrub);

/// <summary>The erasures made so far, newest first: for admins only.</summary>
public sealed class ErasureQueries(KithDb db)
{
    public async Task<IReadOnlyList<ErasureListItem>> RecentAsync(AccessScope scope, int limit, CancellationToken ct)
    {
        if (!scope.IsAdmin) throw new Forbidden("Only an administrator may see erasures.");
        var rows = await (from e in db.Set<Erasure>().AsNoTracking()
                          join u in db.Users on e.ErasedByUserId equals u.Id into users
                          from u in users.DefaultIfEmpty()
                          orderby e.Id descending
                          select new { e, Name = u == null ? null : u.DisplayName }).Take(Math.Clamp(limit, 1, 500)).ToListAsync(ct);
        return rows.Select(r => new ErasureListItem(r.e.Id, r.e.ErasedAt, r.e.ErasedByUserId, r.Name, r.e.Reason,
            System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, int>>(r.e.Counts) ?? [], r.e.Files, r.e.Scrub)).ToList();
    }
}
