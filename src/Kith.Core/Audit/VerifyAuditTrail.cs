using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Audit;

/// <summary>What a check of the chain found: intact, or the first entry where it breaks and how.</summary>
public sealed record AuditVerification(bool Intact, long Checked, long? BrokenSequence, long? BrokenId, string? Problem, AuditBreak? Break = null);

/// <summary>How the chain broke: an entry changed, entries removed before one, a wrong link, or the newest entries cut off.</summary>
public enum AuditBreak { Changed, Removed, Relinked, CutOff }

/// <summary>
/// Walks the chain from its anchor to its head, recomputing every hash. Reports the first entry that was changed,
/// removed (a gap in the sequence) or inserted, and a head that no longer matches the newest entry (entries cut off
/// at the end).
/// </summary>
public sealed class VerifyAuditTrail(Kith.Core.Infrastructure.KithDb db)
{
    private const int Batch = 2_000;

    public async Task<AuditVerification> HandleAsync(CancellationToken ct = default)
    {
        var chain = await db.AuditChains.AsNoTracking().SingleAsync(c => c.Id == AuditChain.TheId, ct);
        var expected = chain.AnchorSequence + 1;
        var previous = chain.AnchorHash;
        long done = 0;
        while (true)
        {
            var from = expected;
            var entries = await db.AuditEntries.AsNoTracking().Where(e => e.Sequence >= from)
                .OrderBy(e => e.Sequence).Take(Batch).ToListAsync(ct);
            foreach (var e in entries)
            {
                if (e.Sequence != expected)
                    return Broken(done, e, AuditBreak.Removed, $"Entries {expected} to {e.Sequence - 1} are missing before this one.");
                if (!string.Equals(e.PreviousHash, previous, StringComparison.Ordinal))
                    return Broken(done, e, AuditBreak.Relinked, "Its link to the previous entry does not match that entry's hash.");
                if (!string.Equals(AuditHash.Of(previous, e), e.Hash, StringComparison.Ordinal))
                    return Broken(done, e, AuditBreak.Changed, "Its content no longer matches its hash: it was changed after it was written.");
                previous = e.Hash;
                expected++;
                done++;
            }
            if (entries.Count < Batch) break;
        }
        if (expected - 1 != chain.HeadSequence || !string.Equals(previous, chain.HeadHash, StringComparison.Ordinal))
            return new AuditVerification(false, done, expected, null,
                expected - 1 < chain.HeadSequence
                    ? $"The newest entries (from {expected} to {chain.HeadSequence}) are missing."
                    : "The chain's head does not match its newest entry.", AuditBreak.CutOff);
        return new AuditVerification(true, done, null, null, null);
    }

    private static AuditVerification Broken(long done, AuditEntry e, AuditBreak kind, string problem) => new(false, done, e.Sequence, e.Id, problem, kind);
}
