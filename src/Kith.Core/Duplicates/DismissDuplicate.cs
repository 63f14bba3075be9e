using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Duplicates;

/// <summary>
/// Says two customers are different people: the pair leaves the review list and stays dismissed on every later
/// scan. Dismissing a dismissed pair again changes nothing.
/// </summary>
public sealed class DismissDuplicate(KithDb db, DuplicateQueries queries, TimeProvider clock)
{
    public async Task<DuplicatePairDetail> HandleAsync(long pairId, AccessScope scope, CancellationToken ct)
    {
        var pair = await db.DuplicatePairs.FirstOrDefaultAsync(p => p.Id == pairId, ct) ?? throw new NotFound("Duplicate pair");
        var reached = await scope.Visible(db.Customers.AsNoTracking())
            .CountAsync(c => c.Id == pair.CustomerId || c.Id == pair.OtherCustomerId, ct);
        if (reached != 2) throw new NotFound("Duplicate pair");
        scope.EnsureCanEdit();
        if (pair.Status == DuplicateStatus.Merged) throw new RuleViolation("These customers were merged already.", status: 409);
        if (pair.Status == DuplicateStatus.Open)
        {
            pair.Status = DuplicateStatus.Dismissed;
            pair.ResolvedAt = clock.GetUtcNow().UtcDateTime;
            pair.ResolvedByUserId = scope.UserId;
            await db.SaveChangesAsync(ct);
        }
        return await queries.GetAsync(scope, pairId, ct);
    }
}
