using Kith.Core.Analytics;
using Kith.Core.Behavior;
using Kith.Core.Importing;
using Kith.Core.Infrastructure;
using Kith.Core.Purchases;
using Kith.Core.Tests.Importing;
using Kith.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Kith.Core.Tests.Behavior;

/// <summary>Purchases near the largest amount add up past a 64-bit integer of micros: never a wrong number or a 500.</summary>
public sealed class RevenueSumsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly long Near = (long)((Purchase.MaxAmount - 1) * Purchase.MicrosPerUnit);

    [Fact]
    public void AddingSaturatesInsteadOfWrappingRound()
    {
        Assert.Equal(long.MaxValue, RevenueSums.Add(Near, Near));
        Assert.Equal(-long.MaxValue, RevenueSums.Add(-Near, -Near));
        Assert.Equal(long.MaxValue, RevenueSums.Add(long.MaxValue, 5));
        Assert.Equal(Near - 1, RevenueSums.Add(Near, -1));
        Assert.Equal(12_500_000, RevenueSums.Add(10_000_000, 2_500_000));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task ACustomersRevenueSaturatesTheRollupGoesOnAndAnalysesAnswerAClearError(DatabaseProvider provider)
    {
        await using var kit = await ImportKit.StartAsync(provider);
        var admin = await kit.AdminAsync();
        await kit.ImportAsync(ImportKind.Customers, kit.Csv("customer_id,name", "C1,Ann", "C2,Bo"), admin);
        var (ann, bo) = ((await kit.CustomerAsync("C1")).Id, (await kit.CustomerAsync("C2")).Id);
        var at = new DateTime(2026, 2, 20, 12, 0, 0, DateTimeKind.Utc);
        await using (var db = kit.Open())
        {
            db.Purchases.AddRange(
                new Purchase { CustomerId = ann, OrderedAt = at, Product = "Gold", AmountMicros = Near, CreatedAt = at },
                new Purchase { CustomerId = ann, OrderedAt = at, Product = "Gold", AmountMicros = Near, CreatedAt = at },
                new Purchase { CustomerId = bo, OrderedAt = at, Product = "Tea", AmountMicros = 12_345_678, CreatedAt = at });
            // Two purchase events near the largest amount too: the totals and days of the type "purchase" add them up.
            db.BehaviorEvents.AddRange(
                new BehaviorEvent { EventId = "1", CustomerId = ann, Type = "purchase", OccurredAt = at, Properties = "{\"amount\": 8999999999999}" },
                new BehaviorEvent { EventId = "2", CustomerId = ann, Type = "purchase", OccurredAt = at, Properties = "{\"amount\": 8999999999999}" },
                new BehaviorEvent { EventId = "3", CustomerId = bo, Type = "purchase", OccurredAt = at, Properties = "{\"amount\": 1.5}" });
            await db.SaveChangesAsync(Ct);
        }

        foreach (var rebuild in new[] { false, true })
        {
            await kit.RunAsync(sp => rebuild ? sp.GetRequiredService<BehaviorRollup>().RebuildAsync(Ct) : sp.GetRequiredService<BehaviorRollup>().CatchUpAsync(Ct));
            var (annSummary, boSummary) = await kit.RunAsync(async sp =>
                (await sp.GetRequiredService<BehaviorQueries>().SummaryAsync(ann, Ct), await sp.GetRequiredService<BehaviorQueries>().SummaryAsync(bo, Ct)));
            Assert.Equal((4L, (decimal)long.MaxValue / Purchase.MicrosPerUnit), (annSummary.Purchases, annSummary.Revenue));
            Assert.Equal((2L, 13.845678m), (boSummary.Purchases, boSummary.Revenue));
        }

        var period = new AnalysisPeriod(new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc), new DateTime(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc));
        var dashboard = await Assert.ThrowsAsync<RuleViolation>(() => kit.RunAsync(sp => sp.GetRequiredService<Dashboard>().SalesAsync(admin, period, TimeInterval.Month, Ct)));
        Assert.Equal(422, dashboard.Status);
        Assert.Contains("amounts", dashboard.Errors.Keys);
        var top = await Assert.ThrowsAsync<RuleViolation>(() => kit.RunAsync(sp => sp.GetRequiredService<TopItems>().HandleAsync(admin, TopKind.Products, 10, period, Ct)));
        Assert.Equal(422, top.Status);

        // RFM scores each customer's monetary value saturated, like the summary: the recompute goes through.
        var rfm = await kit.RunAsync(sp => sp.GetRequiredService<Rfm>().RunAsync(period, null, Ct));
        Assert.Equal(2, rfm.Customers);
    }
}
