using Kith.Core.Analytics;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Tests.Infrastructure;
using static Kith.Core.Tests.Analytics.AnalyticsKit;

namespace Kith.Core.Tests.Analytics;

public sealed class TrendsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly AnalysisPeriod FirstQuarter = new(At(2026, 1, 1), At(2026, 4, 1));

    private static Dictionary<string, double[]> Lines(TrendResult t) => t.Series.ToDictionary(s => s.Name, s => s.Values.ToArray());

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task MonthlyTrendsSplitEventsCommunicationsAndRevenueIntoLinesWithZerosForQuietMonths(DatabaseProvider provider)
    {
        await using var kit = await StartAsync(provider);
        var admin = await kit.UserAsync(Role.Admin, "Ada");
        var agent = await kit.UserAsync(Role.Agent, "Agent");
        var ann = await kit.CustomerAsync(agent, "Ann", signup: new DateOnly(2026, 1, 10));
        var bo = await kit.CustomerAsync(admin, "Bo", signup: new DateOnly(2026, 3, 2));
        await kit.CustomerAsync(admin, "Cy", createdAt: At(2026, 2, 14));
        await kit.EventAsync(ann, "access", At(2026, 1, 5), "/pricing");
        await kit.EventAsync(ann, "access", At(2026, 1, 5, 1), "/pricing");
        await kit.EventAsync(bo, "like", At(2026, 1, 6), "/blog");
        await kit.EventAsync(bo, "access", At(2026, 2, 1));
        await kit.EventAsync(bo, "purchase", At(2026, 3, 31, 23, 59));
        await kit.EventAsync(bo, "access", At(2026, 4, 1));
        await kit.PurchaseAsync(ann, At(2026, 1, 3), 10, "Tea");
        await kit.PurchaseAsync(bo, At(2026, 1, 20), 5.5m, "Tea");
        await kit.PurchaseAsync(bo, At(2026, 2, 2), 20, "Coffee");
        await kit.CommunicationAsync(ann, "phone", At(2026, 1, 7), "resolved");
        await kit.CommunicationAsync(bo, "email", At(2026, 1, 8));
        await kit.CommunicationAsync(bo, "phone", At(2026, 2, 9), "resolved");

        Task<TrendResult> Trend(AccessScope scope, TrendMetric metric, TimeInterval interval = TimeInterval.Month, AnalysisPeriod? period = null) =>
            kit.RunAsync<Trends, TrendResult>(t => t.HandleAsync(scope, metric, interval, period ?? FirstQuarter, Ct));

        var events = await Trend(admin, TrendMetric.Events);
        Assert.Equal(new[] { "2026-01-01", "2026-02-01", "2026-03-01" }, events.Buckets);
        Assert.Equal(new[] { "access", "like", "purchase" }, events.Series.Select(s => s.Name));
        Assert.Equal(new double[] { 2, 1, 0 }, Lines(events)["access"]);
        Assert.Equal(new double[] { 0, 0, 1 }, Lines(events)["purchase"]);
        var pages = await Trend(admin, TrendMetric.Pages);
        Assert.Equal(new double[] { 2, 0, 0 }, Lines(pages)["/pricing"]);
        Assert.Equal(2, pages.Series.Count);
        var revenue = await Trend(admin, TrendMetric.Revenue);
        Assert.Equal(new double[] { 15.5, 0, 0 }, Lines(revenue)["Tea"]);
        Assert.Equal(new double[] { 0, 20, 0 }, Lines(revenue)["Coffee"]);
        var purchases = await Trend(agent, TrendMetric.Purchases);
        Assert.Equal(new double[] { 1, 0, 0 }, Assert.Single(purchases.Series).Values);
        var channels = await Trend(admin, TrendMetric.Communications);
        Assert.Equal(new double[] { 1, 1, 0 }, Lines(channels)["phone"]);
        var outcomes = await Trend(admin, TrendMetric.Outcomes);
        Assert.Equal(new double[] { 1, 0, 0 }, Lines(outcomes)["none"]);
        var fresh = await Trend(admin, TrendMetric.NewCustomers);
        Assert.Equal(new double[] { 1, 1, 1 }, Assert.Single(fresh.Series).Values);
        var active = await Trend(admin, TrendMetric.ActiveCustomers);
        Assert.Equal(new double[] { 2, 1, 1 }, Assert.Single(active.Series).Values);
        var agentActive = await Trend(agent, TrendMetric.ActiveCustomers);
        Assert.Equal(new double[] { 1, 0, 0 }, Assert.Single(agentActive.Series).Values);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task WeeksStartOnMondayAndDaysAreUtcDays(DatabaseProvider provider)
    {
        await using var kit = await StartAsync(provider);
        var admin = await kit.UserAsync(Role.Admin, "Ada");
        var ann = await kit.CustomerAsync(admin, "Ann");
        await kit.EventAsync(ann, "access", At(2026, 1, 11, 23, 30)); // Sunday
        await kit.EventAsync(ann, "access", At(2026, 1, 12));         // Monday
        await kit.EventAsync(ann, "access", At(2026, 1, 13, 8));
        var period = new AnalysisPeriod(At(2026, 1, 7), At(2026, 1, 14));
        var weeks = await kit.RunAsync<Trends, TrendResult>(t => t.HandleAsync(admin, TrendMetric.Events, TimeInterval.Week, period, Ct));
        Assert.Equal(new[] { "2026-01-05", "2026-01-12" }, weeks.Buckets);
        Assert.Equal(new double[] { 1, 2 }, Assert.Single(weeks.Series).Values);
        var days = await kit.RunAsync<Trends, TrendResult>(t => t.HandleAsync(admin, TrendMetric.Events, TimeInterval.Day, period, Ct));
        Assert.Equal(7, days.Buckets.Count);
        Assert.Equal(new double[] { 0, 0, 0, 0, 1, 1, 1 }, Assert.Single(days.Series).Values);
    }

    [Fact]
    public void BadMetricsIntervalsAndHugeRangesAreRefusedByName()
    {
        Assert.Contains("metric", Assert.Throws<RuleViolation>(() => Trends.ParseMetric("visits")).Errors.Keys);
        Assert.Contains("interval", Assert.Throws<RuleViolation>(() => AnalysisPeriod.ParseInterval("hour")).Errors.Keys);
        var decade = new AnalysisPeriod(At(2016, 1, 1), At(2026, 1, 1));
        Assert.Contains("interval", Assert.Throws<RuleViolation>(() => decade.Buckets(TimeInterval.Day)).Errors.Keys);
        Assert.Equal(120, decade.Buckets(TimeInterval.Month).Count);
    }
}
