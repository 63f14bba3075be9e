using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Behavior;

/// <summary>How many events wait for one reference (an external id, an email or an anonymous visitor).</summary>
public sealed record PendingReference(string Kind, string Value, int Count, DateTime FirstReceivedAt, DateTime LastReceivedAt);

/// <summary>All that waits, so nothing parked is invisible: totals by kind and the references with most events.</summary>
public sealed record PendingSummary(int Total, IReadOnlyDictionary<string, int> ByKind, IReadOnlyList<PendingReference> References);

public sealed class PendingEventQueries(KithDb db)
{
    public const int MaxLimit = 1000;

    /// <summary>Pending events are not yet anyone's record, so only administrators see them.</summary>
    public async Task<PendingSummary> SummaryAsync(AccessScope scope, int limit, CancellationToken ct)
    {
        if (!scope.IsAdmin) throw new Forbidden("Only administrators see pending events.");
        var byKind = await db.PendingEvents.GroupBy(p => p.ReferenceKind).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, ct);
        var references = await db.PendingEvents.GroupBy(p => new { p.ReferenceKind, p.ReferenceValue })
            .Select(g => new { g.Key.ReferenceKind, g.Key.ReferenceValue, Count = g.Count(), First = g.Min(p => p.ReceivedAt), Last = g.Max(p => p.ReceivedAt) })
            .OrderByDescending(g => g.Count).ThenBy(g => g.ReferenceKind).ThenBy(g => g.ReferenceValue).Take(limit).ToListAsync(ct);
        return new PendingSummary(byKind.Values.Sum(), byKind,
            references.Select(r => new PendingReference(r.ReferenceKind, r.ReferenceValue, r.Count, r.First, r.Last)).ToList());
    }
}
