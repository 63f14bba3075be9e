using Kith.Core.Customers;
using Kith.Core.Infrastructure;
using Kith.Core.Listing;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Segments;

/// <summary>What one refresh found.</summary>
public sealed record SegmentRefreshResult(long SegmentId, long Members, long Entered, long Left, string? Error);

/// <summary>
/// Records who is in a segment now and who entered or left it since the last refresh. The first refresh only
/// records the members (everybody "entering" at creation would say nothing). Membership is evaluated over all live
/// customers, in the creator's terms ("owner eq me" is the creator); what a user is shown of it is cut to their reach
/// by <see cref="SegmentQueries"/>.
/// </summary>
public sealed class RefreshSegment(KithDb db, ListEngine engine, TimeProvider clock)
{
    private const int Chunk = 5_000;
    // The worker and a user's "refresh now" must not diff the same members at once; one refresh at a time per process.
    private static readonly SemaphoreSlim s_one = new(1, 1);

    public async Task<SegmentRefreshResult> HandleAsync(long segmentId, CancellationToken ct)
    {
        await s_one.WaitAsync(ct);
        try
        {
            return await RefreshAsync(segmentId, ct);
        }
        finally
        {
            s_one.Release();
        }
    }

    private async Task<SegmentRefreshResult> RefreshAsync(long segmentId, CancellationToken ct)
    {
        var segment = await db.Segments.FirstOrDefaultAsync(s => s.Id == segmentId, ct) ?? throw new NotFound("Segment");
        var now = clock.GetUtcNow().UtcDateTime;
        List<long> matching;
        try
        {
            matching = await engine.AllIdsAsync(CustomerQueries.Schema, segment.CreatedByUserId, segment.Filter, ct);
        }
        catch (RuleViolation e)
        {
            // The filter compiled when saved; a custom field or segment it names has gone since. Say so on the segment.
            segment.RefreshError = e.Message.Length > 1000 ? e.Message[..1000] : e.Message;
            segment.RefreshedAt = now;
            await db.SaveChangesAsync(ct);
            return new SegmentRefreshResult(segmentId, segment.MemberCount ?? 0, 0, 0, segment.RefreshError);
        }

        var first = segment.RefreshedAt is null || segment.MemberCount is null;
        var current = (await db.SegmentMembers.AsNoTracking().Where(m => m.SegmentId == segmentId).Select(m => m.CustomerId).ToListAsync(ct)).ToHashSet();
        var now_ = matching.ToHashSet();
        var entered = matching.Where(id => !current.Contains(id)).ToList();
        var left = current.Where(id => !now_.Contains(id)).Order().ToList();

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var tracking = db.ChangeTracker.AutoDetectChangesEnabled;
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        try
        {
            foreach (var chunk in entered.Chunk(Chunk))
            {
                db.SegmentMembers.AddRange(chunk.Select(id => new SegmentMember { SegmentId = segmentId, CustomerId = id, EnteredAt = now }));
                if (!first) db.SegmentChanges.AddRange(chunk.Select(id => new SegmentChange { SegmentId = segmentId, CustomerId = id, Entered = true, At = now }));
                await db.SaveChangesAsync(ct);
                Detach();
            }
            foreach (var chunk in left.Chunk(Chunk))
            {
                await db.SegmentMembers.Where(m => m.SegmentId == segmentId && chunk.Contains(m.CustomerId)).ExecuteDeleteAsync(ct);
                // A customer deleted for good is gone from the changes too (cascade); a soft-deleted one leaves.
                db.SegmentChanges.AddRange(chunk.Select(id => new SegmentChange { SegmentId = segmentId, CustomerId = id, Entered = false, At = now }));
                await db.SaveChangesAsync(ct);
                Detach();
            }
        }
        finally
        {
            db.ChangeTracker.AutoDetectChangesEnabled = tracking;
        }
        await db.Segments.Where(s => s.Id == segmentId).ExecuteUpdateAsync(u => u
            .SetProperty(s => s.MemberCount, matching.Count)
            .SetProperty(s => s.RefreshedAt, now)
            .SetProperty(s => s.RefreshError, (string?)null), ct);
        await tx.CommitAsync(ct);
        return new SegmentRefreshResult(segmentId, matching.Count, first ? 0 : entered.Count, left.Count, null);

        void Detach()
        {
            foreach (var entry in db.ChangeTracker.Entries().Where(e => e.Entity is SegmentMember or SegmentChange).ToList())
                entry.State = EntityState.Detached;
        }
    }

    /// <summary>Every segment, oldest refresh first; one failing does not stop the others.</summary>
    public async Task<IReadOnlyList<SegmentRefreshResult>> AllAsync(CancellationToken ct)
    {
        var ids = await db.Segments.AsNoTracking().OrderBy(s => s.RefreshedAt).Select(s => s.Id).ToListAsync(ct);
        var results = new List<SegmentRefreshResult>();
        foreach (var id in ids)
        {
            try { results.Add(await HandleAsync(id, ct)); }
            catch (NotFound) { /* deleted meanwhile */ }
        }
        return results;
    }
}
