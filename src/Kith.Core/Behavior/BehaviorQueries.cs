using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Core.Importing;
using Kith.Core.Purchases;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Behavior;

/// <summary>A customer's behaviour summary. The customer must be in the caller's reach, else NotFound.</summary>
public sealed class BehaviorQueries(KithDb db, TimeProvider clock)
{
    /// <summary>The standard types first, in this order; custom types after them by name.</summary>
    public static readonly string[] StandardTypes = ["access", "like", "purchase"];

    /// <summary>The longest window, in UTC calendar days ending today.</summary>
    public const int LongestWindowDays = 90;

    /// <summary>
    /// The first day the longest window counts when today is <paramref name="today"/>. Windows only move forward, so the
    /// rollup keeps days from here on and no earlier (ADR-0035).
    /// </summary>
    public static DateOnly FirstKeptDay(DateOnly today) => today.AddDays(-(LongestWindowDays - 1));

    /// <summary>UTC today by <paramref name="clock"/>.</summary>
    public static DateOnly Today(TimeProvider clock) => DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);

    public async Task<BehaviorSummary> ForCustomerAsync(AccessScope scope, long customerId, CancellationToken ct)
    {
        if (!await scope.Visible(db.Customers.AsNoTracking()).AnyAsync(c => c.Id == customerId, ct)) throw new NotFound("Customer");
        return await SummaryAsync(customerId, ct);
    }

    /// <summary>
    /// The summary of a customer just created, counting the events that attached to it at creation (sent earlier for its
    /// external id or email and kept pending): the rollup catches up first when it holds any and what waits to be
    /// counted is small (<see cref="BehaviorRollup.CatchUpIfSmallAsync"/>), so the answer to the create shows them, as
    /// a read right after it would. Behind a large backlog (a stream of events, a bulk import) the request does not
    /// take on the server's rounds: it answers what is counted, and the worker's next round counts the rest. A
    /// customer without events costs one index lookup.
    /// </summary>
    public async Task<BehaviorSummary> AfterCreateAsync(long customerId, BehaviorRollup rollup, CancellationToken ct)
    {
        if (await db.BehaviorEvents.AsNoTracking().AnyAsync(e => e.CustomerId == customerId, ct))
            await rollup.CatchUpIfSmallAsync(AfterCreateBacklog, ct);
        return await SummaryAsync(customerId, ct);
    }

    /// <summary>The most new events, purchases or stale customers a create's request counts itself.</summary>
    internal const long AfterCreateBacklog = 10_000;

    /// <summary>The summary without a reach check, for callers that already made it (the customer API and page).</summary>
    public async Task<BehaviorSummary> SummaryAsync(long customerId, CancellationToken ct)
    {
        var today = Today(clock);
        var (d7, d30, d90) = (today.AddDays(-6), today.AddDays(-29), FirstKeptDay(today));
        // Windows are summed at read: at most 90 buckets per type for one customer, through the primary key.
        var windows = await db.BehaviorDays.AsNoTracking().Where(d => d.CustomerId == customerId && d.Day >= d90)
            .GroupBy(d => d.Type)
            .Select(g => new
            {
                Type = g.Key,
                D7 = g.Sum(d => d.Day >= d7 ? d.Events : 0),
                D30 = g.Sum(d => d.Day >= d30 ? d.Events : 0),
                D90 = g.Sum(d => d.Events),
            }).ToDictionaryAsync(w => w.Type, ct);
        var totals = await db.BehaviorTotals.AsNoTracking().Where(t => t.CustomerId == customerId).ToListAsync(ct);
        var types = totals.OrderBy(t => Order(t.Type)).ThenBy(t => t.Type, StringComparer.Ordinal)
            .Select(t => windows.TryGetValue(t.Type, out var w)
                ? new BehaviorTypeCounts(t.Type, t.Events, w.D7, w.D30, w.D90)
                : new BehaviorTypeCounts(t.Type, t.Events, 0, 0, 0))
            .ToList();

        DateTime? first = null, last = null, lastPurchase = null;
        long purchases = 0, revenue = 0;
        await Sql.ReadAsync(db, "SELECT behavior_first_seen_at, behavior_last_seen_at, behavior_last_purchase_at, behavior_purchases, behavior_revenue_micros " +
                                $"FROM {BehaviorColumns.Table(db.Provider)} WHERE id = {Sql.P(db, 0)}", r =>
        {
            first = Instant(r, 0);
            last = Instant(r, 1);
            lastPurchase = Instant(r, 2);
            purchases = r.IsDBNull(3) ? 0 : r.GetInt64(3);
            revenue = r.IsDBNull(4) ? 0 : r.GetInt64(4);
        }, ct, customerId);
        return new BehaviorSummary(first, last, lastPurchase, purchases, (decimal)revenue / Purchase.MicrosPerUnit, types);
    }

    /// <summary>
    /// Every type stored, the standard ones first (the segment builder suggests them). Types are few, so the type index
    /// is walked one lookup per type (a loose index scan; neither database skips through an index on its own).
    /// </summary>
    public async Task<IReadOnlyList<string>> TypesAsync(CancellationToken ct)
    {
        var stored = await DistinctTypesAsync(db, "behavior_events", ct);
        return [.. StandardTypes, .. stored.Where(t => !StandardTypes.Contains(t)).Order(StringComparer.Ordinal)];
    }

    internal static async Task<List<string>> DistinctTypesAsync(KithDb db, string table, CancellationToken ct)
    {
        var types = new List<string>();
        await Sql.ReadAsync(db, $"WITH RECURSIVE t(type) AS (SELECT MIN(type) FROM {table} " +
                                $"UNION ALL SELECT (SELECT MIN(x.type) FROM {table} x WHERE x.type > t.type) FROM t WHERE t.type IS NOT NULL) " +
                                "SELECT type FROM t WHERE type IS NOT NULL", r => types.Add(r.GetString(0)), ct);
        return types;
    }

    internal static int Order(string type)
    {
        var i = Array.IndexOf(StandardTypes, type);
        return i < 0 ? StandardTypes.Length : i;
    }

    internal static DateTime? Instant(System.Data.Common.DbDataReader r, int i) =>
        r.IsDBNull(i) ? null : DateTime.SpecifyKind(r.GetDateTime(i), DateTimeKind.Utc);
}
