using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Behavior;

/// <summary>Stops a site key at once: the website's snippet is then refused (its events are not taken).</summary>
public sealed class RevokeSiteKey(KithDb db, TimeProvider clock)
{
    public async Task<SiteKeyItem> HandleAsync(long id, AccessScope scope, CancellationToken ct)
    {
        if (!scope.IsAdmin) throw new Forbidden("Only administrators manage site keys.");
        var key = await db.SiteKeys.FirstOrDefaultAsync(k => k.Id == id, ct) ?? throw new NotFound("Site key");
        key.RevokedAt ??= clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(ct);
        return SiteKeyItem.From(key);
    }
}
