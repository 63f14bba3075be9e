using System.Globalization;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;

namespace Kith.Core.Analytics;

public enum TrendMetric { Events, Pages, Communications, Outcomes, Purchases, Revenue, NewCustomers, ActiveCustomers }

/// <summary>One line of a trend: its name (an event type, page, channel, outcome or product) and a value per bucket.</summary>
public sealed record TrendSeries(string Name, IReadOnlyList<double> Values, double Total);

/// <summary>Buckets are the first days (yyyy-MM-dd) of each day, ISO week or month in the period, in UTC.</summary>
public sealed record TrendResult(TrendMetric Metric, TimeInterval Interval, IReadOnlyList<string> Buckets, IReadOnlyList<TrendSeries> Series, DateTime ComputedAt);

/// <summary>
/// Counts over time, grouped in the database by bucket and by what splits the lines: events by type, events by page,
/// communications by channel or by outcome, purchases (order lines) and revenue by product, new customers (by signup
/// date, or when recorded) and active customers (distinct customers with any event in the bucket). Lines beyond the
/// <see cref="MaxSeries"/> largest are summed into "other".
/// </summary>
public sealed class Trends(KithDb db, TimeProvider clock)
{
    public const int MaxSeries = 10;
    public const string Other = "other";
    private readonly AnalyticsSql _sql = new(db);

    public static TrendMetric ParseMetric(string? text) => (text ?? "").Trim().ToLowerInvariant() switch
    {
        "" or "events" => TrendMetric.Events,
        "pages" => TrendMetric.Pages,
        "communications" => TrendMetric.Communications,
        "outcomes" => TrendMetric.Outcomes,
        "purchases" => TrendMetric.Purchases,
        "revenue" => TrendMetric.Revenue,
        "new_customers" => TrendMetric.NewCustomers,
        "active_customers" => TrendMetric.ActiveCustomers,
        _ => throw RuleViolation.Field("metric",
            $"metric must be one of events, pages, communications, outcomes, purchases, revenue, new_customers, active_customers; not '{text}'."),
    };

    public static string Key(TrendMetric metric) => metric switch
    {
        TrendMetric.NewCustomers => "new_customers",
        TrendMetric.ActiveCustomers => "active_customers",
        _ => metric.ToString().ToLowerInvariant(),
    };

    public async Task<TrendResult> HandleAsync(AccessScope scope, TrendMetric metric, TimeInterval interval, AnalysisPeriod period, CancellationToken ct)
    {
        var buckets = period.Buckets(interval).Select(b => b.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)).ToList();
        var sql = metric switch
        {
            TrendMetric.Events => Grouped("behavior_events e", "e.occurred_at", "e.type", "COUNT(*)", scope, "e.customer_id", interval),
            TrendMetric.Pages => Grouped("behavior_events e", "e.occurred_at", "e.page", "COUNT(*)", scope, "e.customer_id", interval, "e.page IS NOT NULL"),
            TrendMetric.Communications => Grouped("communications m", "m.occurred_at", "m.channel", "COUNT(*)", scope, "m.customer_id", interval),
            TrendMetric.Outcomes => Grouped("communications m", "m.occurred_at", "COALESCE(m.outcome, 'none')", "COUNT(*)", scope, "m.customer_id", interval),
            TrendMetric.Purchases => Grouped("purchases p", "p.ordered_at", "p.product", "COUNT(*)", scope, "p.customer_id", interval),
            TrendMetric.Revenue => Grouped("purchases p", "p.ordered_at", "p.product", "SUM(p.amount_micros)", scope, "p.customer_id", interval),
            TrendMetric.ActiveCustomers => Grouped("behavior_events e", "e.occurred_at", "'active_customers'", "COUNT(DISTINCT e.customer_id)", scope, "e.customer_id", interval),
            _ => NewCustomers(scope, interval),
        };
        var rows = await _sql.ReadAsync(sql, period.Parameters(), r => (Bucket: AnalyticsSql.Text(r, 0), Name: AnalyticsSql.Text(r, 1), Value: AnalyticsSql.Long(r, 2)), ct);
        var scale = metric == TrendMetric.Revenue ? 1_000_000d : 1d;
        var index = buckets.Select((b, i) => (b, i)).ToDictionary(x => x.b, x => x.i);
        var lines = rows.GroupBy(r => r.Name).Select(g =>
        {
            var values = new double[buckets.Count];
            foreach (var row in g)
                if (index.TryGetValue(row.Bucket[..Math.Min(10, row.Bucket.Length)], out var i)) values[i] += row.Value / scale;
            return new TrendSeries(g.Key, values, values.Sum());
        }).OrderByDescending(s => s.Total).ThenBy(s => s.Name, StringComparer.Ordinal).ToList();
        if (lines.Count > MaxSeries)
        {
            var rest = lines.Skip(MaxSeries - 1).ToList();
            var summed = Enumerable.Range(0, buckets.Count).Select(i => rest.Sum(s => s.Values[i])).ToList();
            lines = [.. lines.Take(MaxSeries - 1), new TrendSeries(Other, summed, summed.Sum())];
        }
        return new TrendResult(metric, interval, buckets, lines, clock.GetUtcNow().UtcDateTime);
    }

    private string Grouped(string table, string at, string name, string value, AccessScope scope, string customer, TimeInterval interval, string? where = null)
    {
        var bucket = _sql.BucketStart(_sql.Utc(at), interval);
        return $"SELECT {bucket}, {name}, {value} FROM {table} WHERE {at} >= @from AND {at} < @to AND {AnalyticsSql.InReach(scope, customer)}" +
               (where is null ? "" : $" AND {where}") + " GROUP BY 1, 2";
    }

    /// <summary>New customers by their signup date, or the day Kith recorded them when no signup date is known.</summary>
    private string NewCustomers(AccessScope scope, TimeInterval interval)
    {
        var day = _sql.IsPostgres ? "COALESCE(c.signup_date, CAST(c.created_at AT TIME ZONE 'UTC' AS DATE))" : "COALESCE(c.signup_date, substr(c.created_at, 1, 10))";
        var from = _sql.IsPostgres ? "CAST(@from AT TIME ZONE 'UTC' AS DATE)" : "substr(@from, 1, 10)";
        var to = _sql.IsPostgres ? "CAST(@to AT TIME ZONE 'UTC' AS DATE)" : "substr(@to, 1, 10)";
        var bucket = _sql.BucketStart(_sql.IsPostgres ? $"CAST({day} AS TIMESTAMP)" : day, interval);
        return $"SELECT {bucket}, 'new_customers', COUNT(*) FROM customers c WHERE {AnalyticsSql.Reach(scope)} AND {day} >= {from} AND {day} < {to} GROUP BY {bucket}";
    }
}
