using Kith.Core.Customers;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Analytics;

public enum DashboardTeam { Sales, Service, Marketing }

public sealed record StageCount(LifecycleStage Stage, long Customers);

public sealed record NamedCount(string Name, long Count);

/// <summary>Sales: new and active customers and revenue over time, and the pipeline (live customers by lifecycle stage, now).</summary>
public sealed record SalesDashboard(long NewCustomers, long ActiveCustomers, decimal Revenue, long Purchases,
    TrendResult NewCustomersTrend, TrendResult ActiveCustomersTrend, TrendResult RevenueTrend, IReadOnlyList<StageCount> Pipeline);

/// <summary>Service: communications by channel over time and by outcome. Cases are not in Kith yet, so no open cases.</summary>
public sealed record ServiceDashboard(long Communications, TrendResult ByChannel, TrendResult ByOutcome, IReadOnlyList<NamedCount> Outcomes);

/// <summary>Marketing: events by type over time, the most visited pages, and the stored RFM mix.</summary>
public sealed record MarketingDashboard(long Events, TrendResult EventsTrend, TopResult TopPages, RfmSummary RfmMix);

/// <summary>The home page's team dashboards, each over a period and within the caller's reach; built from the analyses.</summary>
public sealed class Dashboard(KithDb db, Trends trends, TopItems top, Rfm rfm)
{
    public static DashboardTeam ParseTeam(string? text) => (text ?? "").Trim().ToLowerInvariant() switch
    {
        "" or "sales" => DashboardTeam.Sales,
        "service" => DashboardTeam.Service,
        "marketing" => DashboardTeam.Marketing,
        _ => throw RuleViolation.Field("team", $"team must be sales, service or marketing, not '{text}'."),
    };

    public async Task<SalesDashboard> SalesAsync(AccessScope scope, AnalysisPeriod period, TimeInterval interval, CancellationToken ct)
    {
        var fresh = await trends.HandleAsync(scope, TrendMetric.NewCustomers, interval, period, ct);
        var active = await trends.HandleAsync(scope, TrendMetric.ActiveCustomers, interval, period, ct);
        var revenue = Summed(await trends.HandleAsync(scope, TrendMetric.Revenue, interval, period, ct), "revenue");
        var visible = Visible(scope);
        var activeCount = await db.BehaviorEvents.AsNoTracking()
            .Where(e => e.OccurredAt >= period.From && e.OccurredAt < period.To && visible.Contains(e.CustomerId))
            .Select(e => e.CustomerId).Distinct().LongCountAsync(ct);
        var purchases = await AnalyticsSql.GuardAsync(db.Purchases.AsNoTracking()
            .Where(p => p.OrderedAt >= period.From && p.OrderedAt < period.To && visible.Contains(p.CustomerId))
            .GroupBy(p => 1).Select(g => new { Count = g.LongCount(), Micros = g.Sum(p => p.AmountMicros) }).FirstOrDefaultAsync(ct));
        var stages = await scope.Visible(db.Customers.AsNoTracking()).Where(c => c.MergedIntoId == null)
            .GroupBy(c => c.Stage).Select(g => new { Stage = g.Key, Count = g.LongCount() }).ToListAsync(ct);
        var pipeline = Enum.GetValues<LifecycleStage>().Select(s => new StageCount(s, stages.FirstOrDefault(x => x.Stage == s)?.Count ?? 0)).ToList();
        return new SalesDashboard((long)fresh.Series.Sum(s => s.Total), activeCount, Rfm.Money(purchases?.Micros ?? 0), purchases?.Count ?? 0,
            fresh, active, revenue, pipeline);
    }

    public async Task<ServiceDashboard> ServiceAsync(AccessScope scope, AnalysisPeriod period, TimeInterval interval, CancellationToken ct)
    {
        var byChannel = await trends.HandleAsync(scope, TrendMetric.Communications, interval, period, ct);
        var byOutcome = await trends.HandleAsync(scope, TrendMetric.Outcomes, interval, period, ct);
        var outcomes = byOutcome.Series.Select(s => new NamedCount(s.Name, (long)s.Total)).ToList();
        return new ServiceDashboard(outcomes.Sum(o => o.Count), byChannel, byOutcome, outcomes);
    }

    public async Task<MarketingDashboard> MarketingAsync(AccessScope scope, AnalysisPeriod period, TimeInterval interval, CancellationToken ct)
    {
        var events = await trends.HandleAsync(scope, TrendMetric.Events, interval, period, ct);
        var pages = await top.HandleAsync(scope, TopKind.Pages, 10, period, ct);
        var mix = await rfm.StoredAsync(scope, ct);
        return new MarketingDashboard((long)events.Series.Sum(s => s.Total), events, pages, mix);
    }

    private IQueryable<long> Visible(AccessScope scope) =>
        scope.Visible(db.Customers.AsNoTracking()).Where(c => c.MergedIntoId == null).Select(c => c.Id);

    /// <summary>All lines of a trend added into one, named <paramref name="name"/>.</summary>
    private static TrendResult Summed(TrendResult trend, string name)
    {
        var values = Enumerable.Range(0, trend.Buckets.Count).Select(i => trend.Series.Sum(s => s.Values[i])).ToList();
        return trend with { Series = [new TrendSeries(name, values, values.Sum())] };
    }
}
