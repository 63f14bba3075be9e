using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Audit;

/// <summary>
/// Removes entries older than the retention period, oldest first, and keeps the chain verifiable: the hash of the
/// last removed entry becomes the anchor the oldest kept entry is checked against. The purge itself is an entry.
/// Runs under the chain lock, so two nodes purging at once remove each entry once.
/// </summary>
public sealed class PurgeAuditTrail(KithDb db, AuditRetention retention, TimeProvider clock)
{
    /// <summary>Returns how many entries were removed.</summary>
    public async Task<int> HandleAsync(int? days = null, CancellationToken ct = default)
    {
        var keep = days ?? await retention.DaysAsync(ct);
        var cutoff = clock.GetUtcNow().UtcDateTime.AddDays(-keep);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await AuditSeal.LockChainAsync(db, ct);
        var last = await db.AuditEntries.Where(e => e.At < cutoff).MaxAsync(e => (long?)e.Sequence, ct);
        if (last is not { } anchor) return 0;
        var hash = await db.AuditEntries.Where(e => e.Sequence == anchor).Select(e => e.Hash).SingleAsync(ct);
        await db.Database.ExecuteSqlAsync(
            $"UPDATE audit_chains SET purging = {true}, anchor_sequence = {anchor}, anchor_hash = {hash} WHERE id = {AuditChain.TheId}", ct);
        var removed = await db.AuditEntries.Where(e => e.Sequence <= anchor).ExecuteDeleteAsync(ct);
        await db.Database.ExecuteSqlAsync($"UPDATE audit_chains SET purging = {false} WHERE id = {AuditChain.TheId}", ct);
        db.Audit(AuditActions.AuditPurged, details: new { removed, olderThan = cutoff, retentionDays = keep, anchorSequence = anchor });
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return removed;
    }
}
