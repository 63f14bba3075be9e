using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Core.Purchases;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Analytics;

public sealed record RfmSegmentCount(string Segment, long Customers, decimal Revenue, double AverageRecencyDays, double AverageFrequency);

/// <summary>
/// RFM segments of the customers in the caller's reach. <see cref="Stored"/> says whether this is the stored result
/// (computed at <see cref="ComputedAt"/> for the period named) or scored on the fly for another period; null
/// ComputedAt means RFM has never been computed.
/// </summary>
public sealed record RfmSummary(bool Stored, DateTime? ComputedAt, DateTime? PeriodFrom, DateTime? PeriodTo, long Customers, IReadOnlyList<RfmSegmentCount> Segments);

public sealed record RfmCustomerRow(long CustomerId, string? ExternalId, string Name, int R, int F, int M, string Segment,
    int RecencyDays, long Frequency, decimal Monetary);

public enum RfmPhase { Scoring, Saving, Done }

public sealed record RfmProgress(RfmPhase Phase, long Customers);

public sealed record RfmRecomputed(long Customers, DateTime ComputedAt, DateTime PeriodFrom, DateTime PeriodTo, TimeSpan Elapsed);

/// <summary>
/// Recency, frequency and monetary value per customer over a period, scored 1–5 by quintile and named by
/// <see cref="RfmSegments"/>. Only customers who bought in the period are scored. Recency is whole days from the last
/// purchase to the end of the period; frequency the number of purchases; monetary the revenue (amounts summed as
/// they are, in the workspace currency). Quintiles are NTILE(5) over all live customers, ties broken by customer id
/// (as pandas' rank(method="first") then qcut does), so every score holds a fifth of the customers. Scores are for the
/// whole business: an agent sees the scores of the customers they reach, not quintiles re-cut among them.
/// </summary>
public sealed class Rfm(KithDb db, TimeProvider clock)
{
    private readonly AnalyticsSql _sql = new(db);

    /// <summary>Recomputes and stores the RFM of every customer; administrators and managers only.</summary>
    public Task<RfmRecomputed> RecomputeAsync(AccessScope scope, AnalysisPeriod period, IProgress<RfmProgress>? progress, CancellationToken ct)
    {
        if (scope.Role is not (Role.Admin or Role.Manager))
            throw new Forbidden("Only administrators and managers may recompute RFM for the whole business.");
        return RunAsync(period, progress, ct);
    }

    /// <summary>Recomputes without a user, as `kith analyze rfm` does. The old result stays until the new one is complete.</summary>
    public async Task<RfmRecomputed> RunAsync(AnalysisPeriod period, IProgress<RfmProgress>? progress, CancellationToken ct)
    {
        var started = clock.GetTimestamp();
        var now = clock.GetUtcNow().UtcDateTime;
        progress?.Report(new RfmProgress(RfmPhase.Scoring, 0));
        var strategy = db.Database.CreateExecutionStrategy();
        var count = await strategy.ExecuteAsync(async () =>
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var connection = db.Database.GetDbConnection();
            await using (var delete = _sql.Command(connection, "DELETE FROM customer_rfm", new Dictionary<string, object?>()))
                await _sql.ExecuteAsync(delete, ct);
            var parameters = period.Parameters();
            parameters["@now"] = now;
            var insert = $"""
                INSERT INTO customer_rfm (customer_id, r, f, m, segment, recency_days, frequency, monetary_micros, period_from, period_to, computed_at)
                SELECT customer_id, r, f, m, {RfmSegments.SqlCase("r", "f")}, recency_days, frequency, monetary, @from, @to, @now
                FROM ({ScoredSql(AnalyticsSql.Everyone)}) s
                """;
            long inserted;
            await using (var command = _sql.Command(connection, insert, parameters))
                inserted = await _sql.ExecuteAsync(command, ct);
            progress?.Report(new RfmProgress(RfmPhase.Saving, inserted));
            ct.ThrowIfCancellationRequested();
            await tx.CommitAsync(ct);
            return inserted;
        });
        progress?.Report(new RfmProgress(RfmPhase.Done, count));
        return new RfmRecomputed(count, now, period.From, period.To, clock.GetElapsedTime(started));
    }

    /// <summary>The stored result, segment by segment, for the customers in reach.</summary>
    public async Task<RfmSummary> StoredAsync(AccessScope scope, CancellationToken ct)
    {
        var head = await db.CustomerRfm.AsNoTracking()
            .GroupBy(r => 1).Select(g => new { ComputedAt = g.Max(r => r.ComputedAt), From = g.Max(r => r.PeriodFrom), To = g.Max(r => r.PeriodTo) })
            .FirstOrDefaultAsync(ct);
        var visible = Visible(scope);
        var rows = await AnalyticsSql.GuardAsync(db.CustomerRfm.AsNoTracking().Where(r => visible.Contains(r.CustomerId))
            .GroupBy(r => r.Segment)
            .Select(g => new { Segment = g.Key, Customers = g.LongCount(), Micros = g.Sum(r => r.MonetaryMicros), Recency = g.Average(r => (double)r.RecencyDays), Frequency = g.Average(r => (double)r.Frequency) })
            .ToListAsync(ct));
        var segments = Ordered(rows.Select(r => new RfmSegmentCount(r.Segment, r.Customers, Money(r.Micros), r.Recency, r.Frequency)));
        return new RfmSummary(true, head?.ComputedAt, head?.From, head?.To, segments.Sum(s => s.Customers), segments);
    }

    /// <summary>Scores another period on the fly, without storing it: quintiles over all customers, counted within reach.</summary>
    public async Task<RfmSummary> LiveAsync(AccessScope scope, AnalysisPeriod period, CancellationToken ct)
    {
        var sql = $"""
            SELECT segment, COUNT(*), SUM(monetary), AVG(CAST(recency_days AS DOUBLE PRECISION)), AVG(CAST(frequency AS DOUBLE PRECISION))
            FROM (SELECT customer_id, recency_days, frequency, monetary, {RfmSegments.SqlCase("r", "f")} AS segment FROM ({ScoredSql(AnalyticsSql.Everyone)}) s) x
            WHERE {AnalyticsSql.InReach(scope, "x.customer_id")}
            GROUP BY segment
            """;
        var rows = await _sql.ReadAsync(sql, period.Parameters(),
            r => new RfmSegmentCount(r.GetString(0), AnalyticsSql.Long(r, 1), Money(AnalyticsSql.Long(r, 2)), r.GetDouble(3), r.GetDouble(4)), ct);
        var segments = Ordered(rows);
        return new RfmSummary(false, clock.GetUtcNow().UtcDateTime, period.From, period.To, segments.Sum(s => s.Customers), segments);
    }

    /// <summary>The stored scores of the customers in reach, optionally of one segment, best first; for CSV and lists.</summary>
    public async Task<IReadOnlyList<RfmCustomerRow>> CustomersAsync(AccessScope scope, string? segment, int limit, CancellationToken ct)
    {
        if (segment is not null && !RfmSegments.All.Contains(segment))
            throw RuleViolation.Field("segment", $"segment must be one of {string.Join(", ", RfmSegments.All)}, not '{segment}'.");
        var visible = Visible(scope);
        var q = db.CustomerRfm.AsNoTracking().Where(r => visible.Contains(r.CustomerId));
        if (segment is not null) q = q.Where(r => r.Segment == segment);
        var rows = await q.OrderByDescending(r => r.R + r.F + r.M).ThenBy(r => r.CustomerId).Take(limit)
            .Join(db.Customers, r => r.CustomerId, c => c.Id, (r, c) => new { r, c.ExternalId, c.Name })
            .ToListAsync(ct);
        return rows.Select(x => new RfmCustomerRow(x.r.CustomerId, x.ExternalId, x.Name, x.r.R, x.r.F, x.r.M, x.r.Segment, x.r.RecencyDays,
            x.r.Frequency, Money(x.r.MonetaryMicros))).ToList();
    }

    private IQueryable<long> Visible(AccessScope scope) =>
        scope.Visible(db.Customers.AsNoTracking()).Where(c => c.MergedIntoId == null).Select(c => c.Id);



    /// <summary>One row per customer who bought in [@from, @to): the raw figures and their three quintile scores.</summary>
    private string ScoredSql(AccessScope reach) => $"""
        SELECT customer_id, recency_days, frequency, monetary,
               NTILE(5) OVER (ORDER BY last_at, customer_id) AS r,
               NTILE(5) OVER (ORDER BY frequency, customer_id) AS f,
               NTILE(5) OVER (ORDER BY monetary, customer_id) AS m
        FROM (SELECT p.customer_id, MAX(p.ordered_at) AS last_at, {_sql.DaysBetween("MAX(p.ordered_at)", "@to")} AS recency_days,
                     COUNT(*) AS frequency, {Behavior.RevenueSums.Sum("p.amount_micros", !_sql.IsPostgres, saturating: true)} AS monetary
              FROM purchases p
              WHERE p.ordered_at >= @from AND p.ordered_at < @to AND {AnalyticsSql.InReach(reach, "p.customer_id")}
              GROUP BY p.customer_id) a
        """;

    private static List<RfmSegmentCount> Ordered(IEnumerable<RfmSegmentCount> rows)
    {
        var bySegment = rows.ToDictionary(r => r.Segment);
        return RfmSegments.All.Select(s => bySegment.GetValueOrDefault(s) ?? new RfmSegmentCount(s, 0, 0, 0, 0)).ToList();
    }

    internal static decimal Money(long micros) => (decimal)micros / Purchase.MicrosPerUnit;
}
