using Kith.Core.Identity;
using Kith.Core.Infrastructure;

namespace Kith.Core.Analytics;

/// <summary>
/// Events per weekday and hour: <see cref="Counts"/>[d][h] with d = 0 for Monday … 6 for Sunday and h = 0 … 23.
/// Kith has no business time zone setting yet, so hours are UTC (<see cref="TimeZone"/> says so).
/// </summary>
public sealed record HeatmapResult(string? Event, string TimeZone, IReadOnlyList<IReadOnlyList<long>> Counts, long Max, DateTime From, DateTime To, DateTime ComputedAt);

/// <summary>When customers are active: a count of events (all, or one type) by weekday and hour of day.</summary>
public sealed class ActivityHeatmap(KithDb db, TimeProvider clock)
{
    private readonly AnalyticsSql _sql = new(db);

    public async Task<HeatmapResult> HandleAsync(AccessScope scope, string? eventType, AnalysisPeriod period, CancellationToken ct)
    {
        eventType = Behavior.EventTypes.Parse(eventType, "event");
        var parameters = period.Parameters();
        var typeFilter = "";
        if (eventType is not null)
        {
            parameters["@type"] = eventType;
            typeFilter = " AND e.type = @type";
        }
        var at = _sql.Utc("e.occurred_at");
        var sql = $"SELECT {_sql.Weekday(at)}, {_sql.Hour(at)}, COUNT(*) FROM behavior_events e " +
                  $"WHERE e.occurred_at >= @from AND e.occurred_at < @to{typeFilter} AND {AnalyticsSql.InReach(scope, "e.customer_id")} GROUP BY 1, 2";
        var counts = Enumerable.Range(0, 7).Select(_ => new long[24]).ToArray();
        foreach (var (weekday, hour, n) in await _sql.ReadAsync(sql, parameters, r => ((int)AnalyticsSql.Long(r, 0), (int)AnalyticsSql.Long(r, 1), AnalyticsSql.Long(r, 2)), ct))
            counts[(weekday + 6) % 7][hour] += n;
        return new HeatmapResult(eventType, "UTC", counts, counts.Max(d => d.Max()), period.From, period.To, clock.GetUtcNow().UtcDateTime);
    }
}
