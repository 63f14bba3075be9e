using Kith.Core.Importing;
using Kith.Core.Infrastructure;
using Kith.Core.Purchases;

namespace Kith.Core.Behavior;

/// <summary>
/// The behaviour summary columns of one customer as the list and the export show them (the columns the rollup keeps
/// on customers, sortable and filterable: firstSeenAt, lastSeenAt, lastPurchaseAt, visits, likes, purchases, revenueMicros).
/// </summary>
public sealed record BehaviorColumns(DateTime? FirstSeenAt, DateTime? LastSeenAt, DateTime? LastPurchaseAt, long? Visits, long? Likes, long? Purchases, decimal? Revenue)
{
    /// <summary>
    /// The table holding the summary columns, keyed by the customer's id: customers itself on SQLite (an update writes
    /// only the indexes of the columns it changes), a narrow table of its own on PostgreSQL (an update there writes an
    /// entry into every index of the table, ADR-0043). Columns have the same names in both.
    /// </summary>
    public static string Table(DatabaseProvider provider) => provider == DatabaseProvider.Postgres ? "customer_behavior" : "customers";


    /// <summary>The summary columns of these customers, by id; customers the rollup has not counted yet are left out.</summary>
    public static async Task<Dictionary<long, BehaviorColumns>> ReadAsync(KithDb db, IReadOnlyCollection<long> ids, CancellationToken ct)
    {
        var found = new Dictionary<long, BehaviorColumns>();
        foreach (var chunk in ids.Chunk(500))
        {
            var names = string.Join(", ", chunk.Select((_, i) => Sql.P(db, i)));
            await Sql.ReadAsync(db, "SELECT id, behavior_first_seen_at, behavior_last_seen_at, behavior_last_purchase_at, behavior_visits, behavior_likes, " +
                                    $"behavior_purchases, behavior_revenue_micros FROM {Table(db.Provider)} WHERE id IN ({names}) AND behavior_purchases IS NOT NULL", r =>
                found[r.GetInt64(0)] = new BehaviorColumns(BehaviorQueries.Instant(r, 1), BehaviorQueries.Instant(r, 2), BehaviorQueries.Instant(r, 3),
                    Long(r, 4), Long(r, 5), Long(r, 6), Long(r, 7) is { } m ? (decimal)m / Purchase.MicrosPerUnit : null),
                ct, [.. chunk.Cast<object?>()]);
        }
        return found;

        static long? Long(System.Data.Common.DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetInt64(i);
    }
}
