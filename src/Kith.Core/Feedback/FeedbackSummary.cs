using System.Globalization;
using Kith.Core.Analytics;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Feedback;

public enum FeedbackGrouping { Agent, Customer, Month }

/// <summary>
/// The results of one group (or all): CSAT answers, their average and the share satisfied (4 or 5, in percent);
/// NPS answers split into promoters (9-10), passives (7-8) and detractors (0-6), and the NPS (promoters minus
/// detractors, in percent of NPS answers, from -100 to 100). Averages and percentages are null without answers.
/// </summary>
public sealed record FeedbackResult(string Key, string Label, int CsatCount, double? CsatAverage, double? CsatSatisfiedPercent,
    int NpsCount, int Promoters, int Passives, int Detractors, double? Nps);

public sealed record FeedbackSummary(DateTime From, DateTime To, FeedbackGrouping GroupBy, FeedbackResult Total, IReadOnlyList<FeedbackResult> Groups)
{
    public AnalyticsTable Table()
    {
        static string N(double? n) => n?.ToString("0.##", CultureInfo.InvariantCulture) ?? "";
        static string I(int n) => n.ToString(CultureInfo.InvariantCulture);
        return new AnalyticsTable("feedback-" + GroupBy.ToString().ToLowerInvariant(),
            [GroupBy.ToString().ToLowerInvariant(), "label", "csat_count", "csat_average", "csat_satisfied_percent", "nps_count", "promoters", "passives", "detractors", "nps"],
            Groups.Append(Total).Select(r => new string?[]
            {
                r.Key, r.Label, I(r.CsatCount), N(r.CsatAverage), N(r.CsatSatisfiedPercent), I(r.NpsCount), I(r.Promoters), I(r.Passives), I(r.Detractors), N(r.Nps),
            }).ToList(),
            first: 2);
    }
}

/// <summary>CSAT and NPS over a period, per agent, per customer or per month, over the answers the caller reaches.</summary>
public sealed class SummarizeFeedback(FeedbackQueries queries, KithDb db)
{
    public const string TotalKey = "total";

    public static FeedbackGrouping ParseGrouping(string? text) => (text ?? "").Trim().ToLowerInvariant() switch
    {
        "" or "month" => FeedbackGrouping.Month,
        "agent" => FeedbackGrouping.Agent,
        "customer" => FeedbackGrouping.Customer,
        _ => throw RuleViolation.Field("groupBy", $"groupBy must be agent, customer or month, not '{text}'."),
    };

    public async Task<FeedbackSummary> HandleAsync(AccessScope scope, AnalysisPeriod period, FeedbackGrouping groupBy, CancellationToken ct)
    {
        var q = FeedbackQueries.Filtered(queries.Visible(scope), new FeedbackFilter(From: period.From, To: period.To));
        // Counted per (group, kind, score) in the database: at most 16 rows per group whatever the number of answers.
        var counts = groupBy switch
        {
            FeedbackGrouping.Agent => (await q.GroupBy(f => new { f.AgentId, f.Kind, f.Score })
                .Select(g => new { g.Key.AgentId, g.Key.Kind, g.Key.Score, N = g.Count() }).ToListAsync(ct))
                .Select(x => new Count(x.AgentId?.ToString(CultureInfo.InvariantCulture) ?? "", x.Kind, x.Score, x.N)).ToList(),
            FeedbackGrouping.Customer => (await q.GroupBy(f => new { f.CustomerId, f.Kind, f.Score })
                .Select(g => new { g.Key.CustomerId, g.Key.Kind, g.Key.Score, N = g.Count() }).ToListAsync(ct))
                .Select(x => new Count(x.CustomerId.ToString(CultureInfo.InvariantCulture), x.Kind, x.Score, x.N)).ToList(),
            _ => (await q.GroupBy(f => new { f.AnsweredAt.Year, f.AnsweredAt.Month, f.Kind, f.Score })
                .Select(g => new { g.Key.Year, g.Key.Month, g.Key.Kind, g.Key.Score, N = g.Count() }).ToListAsync(ct))
                .Select(x => new Count($"{x.Year:0000}-{x.Month:00}", x.Kind, x.Score, x.N)).ToList(),
        };
        var labels = await LabelsAsync(groupBy, counts.Select(c => c.Key).Distinct().ToList(), ct);
        var groups = counts.GroupBy(c => c.Key).Select(g => Result(g.Key, labels.GetValueOrDefault(g.Key, g.Key.Length == 0 ? "—" : g.Key), g.ToList()));
        groups = groupBy == FeedbackGrouping.Month ? groups.OrderBy(r => r.Key, StringComparer.Ordinal)
            : groups.OrderByDescending(r => r.CsatCount + r.NpsCount).ThenBy(r => r.Label, StringComparer.CurrentCulture);
        return new FeedbackSummary(period.From, period.To, groupBy, Result(TotalKey, "Total", counts), groups.ToList());
    }

    private sealed record Count(string Key, FeedbackKind Kind, int Score, int N);

    private static FeedbackResult Result(string key, string label, IReadOnlyList<Count> counts)
    {
        var csat = counts.Where(c => c.Kind == FeedbackKind.Csat).ToList();
        var nps = counts.Where(c => c.Kind == FeedbackKind.Nps).ToList();
        int csatCount = csat.Sum(c => c.N), npsCount = nps.Sum(c => c.N);
        int promoters = nps.Where(c => c.Score >= 9).Sum(c => c.N), detractors = nps.Where(c => c.Score <= 6).Sum(c => c.N);
        double? Percent(int part, int whole) => whole == 0 ? null : Math.Round(100.0 * part / whole, 1);
        return new FeedbackResult(key, label, csatCount,
            csatCount == 0 ? null : Math.Round(csat.Sum(c => (double)c.Score * c.N) / csatCount, 2),
            Percent(csat.Where(c => c.Score >= 4).Sum(c => c.N), csatCount),
            npsCount, promoters, npsCount - promoters - detractors, detractors,
            npsCount == 0 ? null : Math.Round(100.0 * (promoters - detractors) / npsCount, 1));
    }

    private async Task<Dictionary<string, string>> LabelsAsync(FeedbackGrouping groupBy, List<string> keys, CancellationToken ct)
    {
        if (groupBy == FeedbackGrouping.Month) return [];
        var ids = keys.Where(k => k.Length > 0).Select(k => long.Parse(k, CultureInfo.InvariantCulture)).ToArray();
        return groupBy switch
        {
            FeedbackGrouping.Agent => (await db.Users.AsNoTracking().Where(u => ids.Contains(u.Id)).Select(u => new { u.Id, Name = u.DisplayName != "" ? u.DisplayName : u.Email })
                .ToListAsync(ct)).ToDictionary(u => u.Id.ToString(CultureInfo.InvariantCulture), u => u.Name),
            FeedbackGrouping.Customer => (await db.Customers.AsNoTracking().Where(c => ids.Contains(c.Id)).Select(c => new { c.Id, c.Name })
                .ToListAsync(ct)).ToDictionary(c => c.Id.ToString(CultureInfo.InvariantCulture), c => c.Name),
            _ => [],
        };
    }
}
