using System.Globalization;
using Kith.Core.Behavior;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Analytics;

public enum CohortBy { Signup, FirstPurchase }

/// <summary>One cohort: the customers whose signup (or first purchase) fell in <see cref="Month"/> (yyyy-MM), and how many of them were active in month 0, 1, 2, … after it.</summary>
public sealed record CohortRow(string Month, long Customers, IReadOnlyList<long> Active, IReadOnlyList<double> Share);

/// <summary>A retention table. <see cref="ComputedAt"/> is when the counts behind it were last brought up to date with the events.</summary>
public sealed record CohortTable(CohortBy By, string? Event, DateTime ComputedAt, IReadOnlyList<CohortRow> Cohorts);

/// <summary>
/// Cohort retention in whole months. A customer belongs to the cohort of the month they signed up (their signup
/// date, or when Kith first recorded them if no signup date is known) or of their first purchase; they are active in
/// month k of their cohort when they have at least one event (or one of the chosen type) in the k-th calendar month
/// after it (UTC). Month 0 is the cohort month itself.
/// <para>
/// Counting distinct active customers per month from the events means reading every event: about 20 s at ten
/// million. So the counts are kept in the database as a small cube per basis, event type, owner, cohort month and
/// offset (<see cref="CohortCounts"/>), maintained by the behaviour catch-up as events arrive (ADR-0020); a table is
/// a sum over that cube for the period and the caller's reach (a customer has one owner, so owners' counts add up),
/// the same at the first read after a start as at any other.
/// </para>
/// </summary>
public sealed class CohortRetention(KithDb db, TimeProvider clock)
{
    private readonly AnalyticsSql _sql = new(db);

    public static CohortBy ParseBy(string? text) => (text ?? "").Trim().ToLowerInvariant() switch
    {
        "" or "signup" => CohortBy.Signup,
        "first_purchase" => CohortBy.FirstPurchase,
        _ => throw RuleViolation.Field("by", $"by must be signup or first_purchase, not '{text}'."),
    };

    /// <summary>
    /// The table from the maintained counts; <paramref name="refresh"/> first brings them up to date with every event
    /// stored so far (the server's worker does it every couple of seconds anyway; the command line has none).
    /// </summary>
    public async Task<CohortTable> HandleAsync(AccessScope scope, CohortBy by, string? eventType, AnalysisPeriod period, bool refresh, CancellationToken ct)
    {
        eventType = string.IsNullOrWhiteSpace(eventType) ? null : eventType.Trim().ToLowerInvariant();
        if (eventType is { Length: > 100 }) throw RuleViolation.Field("event", "event must be an event type of at most 100 characters.");
        var counts = new CohortCounts(db);
        // Never counted (a store the server has not caught up yet, the command line): count now rather than show nothing.
        if (refresh || await counts.CountedAtAsync(ct) is null) await new BehaviorRollup(db, clock).CatchUpAsync(ct);
        var computedAt = await counts.CountedAtAsync(ct) ?? clock.GetUtcNow().UtcDateTime;
        var first = MonthIndex(period.From);
        var last = MonthIndex(period.To.AddTicks(-1));
        var parameters = new Dictionary<string, object?> { ["@basis"] = (int)by, ["@first"] = first, ["@last"] = last, ["@type"] = eventType ?? "" };
        var owners = scope.OwnerIds is not { } ids ? "" : ids.Count == 0 ? " AND 1 = 0" : $" AND owner_id IN ({string.Join(",", ids.Order().Select(o => o.ToString(CultureInfo.InvariantCulture)))})";
        var sizes = (await _sql.ReadAsync($"SELECT cohort, SUM(customers) FROM cohort_sizes WHERE basis = @basis AND cohort BETWEEN @first AND @last{owners} GROUP BY cohort",
                parameters, r => (Cohort: (int)AnalyticsSql.Long(r, 0), Count: AnalyticsSql.Long(r, 1)), ct))
            .ToDictionary(x => x.Cohort, x => x.Count);
        var actives = (await _sql.ReadAsync("SELECT cohort, month_offset, SUM(customers) FROM cohort_active " +
                                            $"WHERE basis = @basis AND type = @type AND cohort BETWEEN @first AND @last AND cohort + month_offset <= @last{owners} GROUP BY cohort, month_offset",
                parameters, r => (Cohort: (int)AnalyticsSql.Long(r, 0), Offset: (int)AnalyticsSql.Long(r, 1), Count: AnalyticsSql.Long(r, 2)), ct))
            .ToLookup(x => x.Cohort);
        var rows = new List<CohortRow>();
        for (var month = first; month <= last; month++)
        {
            if (!sizes.TryGetValue(month, out var size) || size == 0) continue;
            var active = new long[last - month + 1];
            foreach (var (_, offset, n) in actives[month])
                if (offset < active.Length) active[offset] += n;
            rows.Add(new CohortRow(MonthText(month), size, active, active.Select(a => Math.Round((double)a / size, 4)).ToList()));
        }
        return new CohortTable(by, eventType, computedAt, rows);
    }

    private static int MonthIndex(DateTime t) => t.Year * 12 + t.Month - 1;

    private static string MonthText(int index) => string.Create(CultureInfo.InvariantCulture, $"{index / 12:0000}-{index % 12 + 1:00}");
}
