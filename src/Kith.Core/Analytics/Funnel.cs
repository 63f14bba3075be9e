using System.Globalization;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;

namespace Kith.Core.Analytics;

/// <summary>One step: customers who got this far, the share of the step before, and the share of the first step.</summary>
public sealed record FunnelStep(string Type, long Customers, double FromPrevious, double FromFirst);

public sealed record FunnelResult(IReadOnlyList<FunnelStep> Steps, int WindowDays, DateTime From, DateTime To, DateTime ComputedAt);

/// <summary>
/// An ordered funnel across event types. A customer enters at their first event of the first type in the period;
/// they reach step k when they have an event of step k's type at or after the time they reached step k−1 and within
/// the window (days) counted from entering. Each step takes the earliest such event, so "access → like → purchase"
/// counts customers who liked after visiting and then bought after liking, all within the window.
/// </summary>
public sealed class Funnel(KithDb db, TimeProvider clock)
{
    public const int MaxSteps = 8;
    public const int DefaultWindowDays = 30;
    private readonly AnalyticsSql _sql = new(db);

    public static IReadOnlyList<string> ParseSteps(string? text)
    {
        var steps = (text ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList();
        if (steps.Count < 2 || steps.Count > MaxSteps)
            throw RuleViolation.Field("steps", $"steps must name 2 to {MaxSteps} event types separated by commas, such as access,like,purchase.");
        return steps.Select(s => Behavior.EventTypes.Parse(s, "steps")!).ToList();
    }

    public static int ParseWindow(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return DefaultWindowDays;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var days) || days is < 1 or > 3650)
            throw RuleViolation.Field("windowDays", "windowDays must be a whole number of days from 1 to 3650.");
        return days;
    }

    public async Task<FunnelResult> HandleAsync(AccessScope scope, IReadOnlyList<string> steps, int windowDays, AnalysisPeriod period, CancellationToken ct)
    {
        var parameters = period.Parameters();
        for (var i = 0; i < steps.Count; i++) parameters[$"@s{i}"] = steps[i];
        var ctes = new List<string>
        {
            $"f0 AS (SELECT e.customer_id, MIN(e.occurred_at) AS t0, MIN(e.occurred_at) AS t FROM behavior_events e " +
            $"WHERE e.type = @s0 AND e.occurred_at >= @from AND e.occurred_at < @to AND {AnalyticsSql.InReach(scope, "e.customer_id")} GROUP BY e.customer_id)",
        };
        for (var i = 1; i < steps.Count; i++)
            // Each later step looks at one customer's events: through (customer_id, occurred_at), never the type index.
            ctes.Add($"f{i} AS (SELECT p.customer_id, p.t0, MIN(e.occurred_at) AS t FROM f{i - 1} p JOIN behavior_events e{(_sql.IsPostgres ? "" : " INDEXED BY ix_behavior_events_customer_id_occurred_at")} ON e.customer_id = p.customer_id " +
                     $"AND e.type = @s{i} AND e.occurred_at >= p.t AND e.occurred_at <= {_sql.PlusDays("p.t0", windowDays)} GROUP BY p.customer_id, p.t0)");
        var sql = $"WITH {string.Join(",\n", ctes)}\nSELECT {string.Join(", ", steps.Select((_, i) => $"(SELECT COUNT(*) FROM f{i})"))}";
        var counts = (await _sql.ReadAsync(sql, parameters, r => Enumerable.Range(0, steps.Count).Select(i => AnalyticsSql.Long(r, i)).ToArray(), ct)).Single();
        var result = steps.Select((s, i) => new FunnelStep(s, counts[i],
            i == 0 ? 1 : Share(counts[i], counts[i - 1]), Share(counts[i], counts[0]))).ToList();
        return new FunnelResult(result, windowDays, period.From, period.To, clock.GetUtcNow().UtcDateTime);
    }

    internal static double Share(long part, long whole) => whole == 0 ? 0 : Math.Round((double)part / whole, 4);
}
