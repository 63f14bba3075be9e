using Kith.Core.Customers;
using Kith.Core.Importing;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Behavior;

/// <summary>
/// Moves pending events onto the customer their reference now names: inserted into behavior_events (a retried
/// event already stored is dropped by its event id) and deleted from pending_events, inside the caller's transaction,
/// so they move with the customer's save or not at all. Events reach a customer only as new behavior_events rows,
/// which is what lets the rollups catch up by behavior_events.id.
/// </summary>
/// <remarks>
/// A writer that parks events and a writer that creates the customer they name may run at the same time. On SQLite
/// every write transaction takes the database's write lock when it begins, so they run one after the other. On
/// PostgreSQL (read committed) each would miss the other's uncommitted row and the events would wait for ever, so both
/// take <see cref="LockAsync"/> before looking: whoever comes second sees what the first committed.
/// </remarks>
public static class AttachPendingEvents
{
    /// <summary>An arbitrary constant naming the PostgreSQL advisory lock of pending events.</summary>
    private const long LockKey = 0x4b6974685045; // "KithPE"

    public static async Task LockAsync(KithDb db, CancellationToken ct)
    {
        if (db.Provider == DatabaseProvider.Postgres)
            await Sql.ExecAsync(db, $"SELECT pg_advisory_xact_lock({LockKey})", ct);
    }

    /// <summary>The pending events of a customer just saved (by its external id and its email); returns what moved.</summary>
    public static async Task<IReadOnlyList<PendingEvent>> ForCustomerAsync(KithDb db, Customer customer, CancellationToken ct)
    {
        if (customer.ExternalId is null && customer.Email is null) return [];
        var moved = new List<PendingEvent>();
        if (customer.ExternalId is { } ext) moved.AddRange(await AttachAsync(db, EventReference.ExternalId, [ext], ct));
        if (customer.Email is { } email) moved.AddRange(await AttachAsync(db, EventReference.Email, [email], ct));
        return moved;
    }

    /// <summary>
    /// Moves the pending events naming any of <paramref name="values"/> (external ids or emails) whose customer now
    /// exists, as the database sees it inside the caller's transaction; returns what moved.
    /// </summary>
    public static async Task<IReadOnlyList<PendingEvent>> AttachAsync(KithDb db, string kind, IEnumerable<string> values, CancellationToken ct)
    {
        var wanted = values.Distinct(StringComparer.Ordinal).ToList();
        if (wanted.Count == 0) return [];
        await LockAsync(db, ct);
        // Customer imports call this for every batch: one cheap look first, since usually nothing waits.
        if (!await db.PendingEvents.AnyAsync(p => p.ReferenceKind == kind, ct)) return [];
        var moved = new List<PendingEvent>();
        foreach (var chunk in wanted.Chunk(1000))
        {
            var waiting = await db.PendingEvents.AsNoTracking()
                .Where(p => p.ReferenceKind == kind && chunk.Contains(p.ReferenceValue)).OrderBy(p => p.Id).ToListAsync(ct);
            if (waiting.Count == 0) continue;
            var owners = await CustomersAsync(db, kind, waiting.Select(p => p.ReferenceValue).Distinct().ToList(), ct);
            var ready = waiting.Where(p => owners.ContainsKey(p.ReferenceValue)).ToList();
            if (ready.Count == 0) continue;
            await MoveAsync(db, ready, p => owners[p.ReferenceValue], ct);
            moved.AddRange(ready);
        }
        return moved;
    }

    /// <summary>Inserts the pending events as behavior events of the given customers and deletes them from pending_events.</summary>
    internal static async Task MoveAsync(KithDb db, IReadOnlyList<PendingEvent> events, Func<PendingEvent, long> customerOf, CancellationToken ct)
    {
        var rows = events.Select(p => new BehaviorEvent
        {
            EventId = p.EventId, CustomerId = customerOf(p), Type = p.Type, OccurredAt = p.OccurredAt, Page = p.Page,
            Properties = p.Properties, ImportJobId = p.ImportJobId,
        }).ToList();
        await new BulkInsert<BehaviorEvent>(db).InsertNewAsync(rows, "event_id", ct);
        foreach (var chunk in events.Select(p => p.Id).Chunk(1000))
            await db.PendingEvents.Where(p => chunk.Contains(p.Id)).ExecuteDeleteAsync(ct);
    }

    /// <summary>
    /// The customer each reference names now: an external id (a merged record's resolves to the customer it was merged
    /// into), or an email (the oldest live customer with it). Reach plays no part: the events were accepted when sent.
    /// </summary>
    private static async Task<Dictionary<string, long>> CustomersAsync(KithDb db, string kind, List<string> values, CancellationToken ct)
    {
        var found = new Dictionary<string, long>(StringComparer.Ordinal);
        if (kind == EventReference.ExternalId)
        {
            var hits = await db.Customers.AsNoTracking()
                .Where(c => values.Contains(c.ExternalId!) && (c.DeletedAt == null || c.MergedIntoId != null))
                .Select(c => new { c.ExternalId, Id = c.MergedIntoId ?? c.Id }).ToListAsync(ct);
            foreach (var h in hits) found[h.ExternalId!] = h.Id;
        }
        else if (kind == EventReference.Email)
        {
            var hits = await db.Customers.AsNoTracking()
                .Where(c => values.Contains(c.Email!) && c.DeletedAt == null)
                .OrderBy(c => c.Id).Select(c => new { c.Email, c.Id }).ToListAsync(ct);
            foreach (var h in hits) found.TryAdd(h.Email!, h.Id);
        }
        return found;
    }
}
