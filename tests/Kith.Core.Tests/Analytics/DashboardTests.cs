using Kith.Core.Analytics;
using Kith.Core.Customers;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Tests.Infrastructure;
using static Kith.Core.Tests.Analytics.AnalyticsKit;

namespace Kith.Core.Tests.Analytics;

public sealed class DashboardTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task EachTeamDashboardAddsUpTheCustomersInReach(DatabaseProvider provider)
    {
        await using var kit = await StartAsync(provider);
        var admin = await kit.UserAsync(Role.Admin, "Ada");
        var agent = await kit.UserAsync(Role.Agent, "Agent");
        var ann = await kit.CustomerAsync(agent, "Ann", signup: new DateOnly(2026, 1, 10), stage: LifecycleStage.Lead);
        var bo = await kit.CustomerAsync(admin, "Bo", signup: new DateOnly(2025, 6, 1), stage: LifecycleStage.Customer);
        await kit.CustomerAsync(admin, "Cy", signup: new DateOnly(2026, 2, 1), stage: LifecycleStage.Customer);
        await kit.EventAsync(ann, "access", At(2026, 1, 11));
        await kit.EventAsync(ann, "access", At(2026, 1, 12));
        await kit.EventAsync(bo, "like", At(2026, 2, 12));
        await kit.PurchaseAsync(bo, At(2026, 2, 13), 99.5m);
        await kit.CommunicationAsync(ann, "phone", At(2026, 1, 15), "resolved");
        await kit.CommunicationAsync(bo, "email", At(2026, 2, 15), "complaint");
        await kit.CommunicationAsync(bo, "email", At(2026, 2, 16), "resolved");
        var period = new AnalysisPeriod(At(2026, 1, 1), At(2026, 3, 1));

        var sales = await kit.RunAsync<Dashboard, SalesDashboard>(d => d.SalesAsync(admin, period, TimeInterval.Month, Ct));
        Assert.Equal((2L, 2L, 99.5m, 1L), (sales.NewCustomers, sales.ActiveCustomers, sales.Revenue, sales.Purchases));
        Assert.Equal(new double[] { 0, 99.5 }, Assert.Single(sales.RevenueTrend.Series).Values);
        Assert.Equal(new[] { 1L, 0, 2, 0 }, sales.Pipeline.Select(p => p.Customers));
        var agentSales = await kit.RunAsync<Dashboard, SalesDashboard>(d => d.SalesAsync(agent, period, TimeInterval.Month, Ct));
        Assert.Equal((1L, 1L, 0m), (agentSales.NewCustomers, agentSales.ActiveCustomers, agentSales.Revenue));

        var service = await kit.RunAsync<Dashboard, ServiceDashboard>(d => d.ServiceAsync(admin, period, TimeInterval.Month, Ct));
        Assert.Equal(3, service.Communications);
        Assert.Equal(new[] { ("resolved", 2L), ("complaint", 1L) }, service.Outcomes.Select(o => (o.Name, o.Count)));
        Assert.Equal(new double[] { 0, 2 }, service.ByChannel.Series.Single(s => s.Name == "email").Values);

        var marketing = await kit.RunAsync<Dashboard, MarketingDashboard>(d => d.MarketingAsync(agent, period, TimeInterval.Month, Ct));
        Assert.Equal(2, marketing.Events);
        Assert.Null(marketing.RfmMix.ComputedAt);
        Assert.Contains("team", Assert.Throws<RuleViolation>(() => Dashboard.ParseTeam("finance")).Errors.Keys);
    }
}
