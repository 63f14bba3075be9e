using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Behavior;

public sealed class SiteKeyQueries(KithDb db)
{
    public async Task<List<SiteKeyItem>> ListAsync(AccessScope scope, CancellationToken ct)
    {
        if (!scope.IsAdmin) throw new Forbidden("Only administrators manage site keys.");
        return (await db.SiteKeys.AsNoTracking().OrderByDescending(k => k.Id).ToListAsync(ct)).Select(SiteKeyItem.From).ToList();
    }

    /// <summary>The live key with this value, for the collect endpoint; null when unknown or revoked.</summary>
    public Task<SiteKey?> ActiveAsync(string key, CancellationToken ct) =>
        db.SiteKeys.AsNoTracking().FirstOrDefaultAsync(k => k.Key == key && k.RevokedAt == null, ct);
}
