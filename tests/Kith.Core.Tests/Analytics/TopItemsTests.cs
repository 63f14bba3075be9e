using Kith.Core.Analytics;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Tests.Infrastructure;
using static Kith.Core.Tests.Analytics.AnalyticsKit;

namespace Kith.Core.Tests.Analytics;

public sealed class TopItemsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task ProductsRankByRevenueAndPagesByViewsWithinReachAndPeriod(DatabaseProvider provider)
    {
        await using var kit = await StartAsync(provider);
        var admin = await kit.UserAsync(Role.Admin, "Ada");
        var agent = await kit.UserAsync(Role.Agent, "Agent");
        var ann = await kit.CustomerAsync(agent, "Ann");
        var bo = await kit.CustomerAsync(admin, "Bo");
        await kit.PurchaseAsync(ann, At(2026, 1, 3), 10, "Tea");
        await kit.PurchaseAsync(bo, At(2026, 1, 4), 10, "Tea");
        await kit.PurchaseAsync(bo, At(2026, 1, 5), 50, "Kettle");
        await kit.PurchaseAsync(bo, At(2026, 2, 5), 500, "Kettle");
        await kit.EventAsync(ann, "access", At(2026, 1, 3), "/pricing");
        await kit.EventAsync(bo, "access", At(2026, 1, 3), "/pricing");
        await kit.EventAsync(bo, "access", At(2026, 1, 4), "/docs");
        await kit.EventAsync(bo, "access", At(2026, 1, 5), "/pricing");
        await kit.EventAsync(bo, "like", At(2026, 1, 5));
        var january = new AnalysisPeriod(At(2026, 1, 1), At(2026, 2, 1));

        var products = await kit.RunAsync<TopItems, TopResult>(t => t.HandleAsync(admin, TopKind.Products, 20, january, Ct));
        Assert.Equal(new[] { ("Kettle", 1L, 1L, 50m), ("Tea", 2L, 2L, 20m) }, products.Items.Select(i => (i.Name, i.Count, i.Customers, i.Revenue)));
        var pages = await kit.RunAsync<TopItems, TopResult>(t => t.HandleAsync(admin, TopKind.Pages, 1, january, Ct));
        Assert.Equal(("/pricing", 3L, 2L), (Assert.Single(pages.Items).Name, pages.Items[0].Count, pages.Items[0].Customers));
        var mine = await kit.RunAsync<TopItems, TopResult>(t => t.HandleAsync(agent, TopKind.Products, 20, january, Ct));
        Assert.Equal(("Tea", 10m), (Assert.Single(mine.Items).Name, mine.Items[0].Revenue));
        Assert.Contains("kind", Assert.Throws<RuleViolation>(() => TopItems.ParseKind("customers")).Errors.Keys);
        Assert.Contains("limit", Assert.Throws<RuleViolation>(() => TopItems.ParseLimit("1000")).Errors.Keys);
    }
}
