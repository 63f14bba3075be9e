using Kith.Core.Analytics;
using Kith.Core.Behavior;
using Kith.Core.Importing;
using Kith.Core.Customers;
using Kith.Core.Infrastructure;
using Kith.Core.Listing;
using Kith.Core.Predictions;
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
    [Theory]
    [ClassData(typeof(Providers))]
    public async Task TheSpentFilterThePurchaseTotalsAndThePredictionsAddUpPastTheLargest(DatabaseProvider provider)
    {
        await using var kit = await ImportKit.StartAsync(provider);
        var admin = await kit.AdminAsync();
        await kit.ImportAsync(ImportKind.Customers, kit.Csv("customer_id,name", "C1,Ann", "C2,Bo"), admin);
        var (ann, bo) = ((await kit.CustomerAsync("C1")).Id, (await kit.CustomerAsync("C2")).Id);
        // The day before the kit's clock, so the 90-day windows of the filter and of the predictions' features hold them.
        var now = new DateTime(2026, 3, 1, 9, 0, 0, DateTimeKind.Utc);
        var at = now.AddDays(-1);
        await using (var db = kit.Open())
        {
            db.Purchases.AddRange(
                new Purchase { CustomerId = ann, OrderedAt = at, Product = "Gold", AmountMicros = Near, Currency = "CNY", CreatedAt = at },
                new Purchase { CustomerId = ann, OrderedAt = at.AddHours(-1), Product = "Gold", AmountMicros = Near, Currency = "CNY", CreatedAt = at },
                new Purchase { CustomerId = ann, OrderedAt = at, Product = "Tea", AmountMicros = 1_500_000, Currency = "USD", CreatedAt = at },
                new Purchase { CustomerId = bo, OrderedAt = at, Product = "Tea", AmountMicros = 12_345_678, Currency = "CNY", CreatedAt = at });
            await db.SaveChangesAsync(Ct);
        }

        // The filter compares the true total (8,999,999,999,999 twice), never a wrapped or failed one.
        async Task<string[]> Names(string filter) => (await kit.RunAsync(sp => sp.GetRequiredService<CustomerQueries>()
            .ListAsync(admin, new ListRequest(null, filter, "name"), Ct))).Items.Select(c => c.Name).ToArray();
        Assert.Equal(["Ann"], await Names("spent gt 1000"));
        Assert.Equal(["Ann"], await Names("spent.90d ge 9000000000000"));
        Assert.Equal(["Bo"], await Names("spent lt 9000000000000"));
        Assert.Equal(["Ann"], await Names("spent ge 9223372036854.775806"));
        // An amount past what Kith adds up is a 400 naming the filter, not a 500.
        var tooLarge = await Assert.ThrowsAsync<RuleViolation>(() => Names("spent gt 100000000000000"));
        Assert.Equal(400, tooLarge.Status);
        Assert.Contains("filter", tooLarge.Errors.Keys);
        Assert.Contains("9,223,372,036,854.775806", tooLarge.Errors["filter"][0]);

        // A customer's purchase totals are exact, per currency.
        var page = await kit.RunAsync(sp => sp.GetRequiredService<PurchaseQueries>().ForCustomerAsync(admin, ann, 50, null, Ct));
        Assert.Equal([("CNY", 17_999_999_999_998m), ("USD", 1.5m)], page.Summary.Revenue.Select(t => (t.Currency, t.Amount)));
        Assert.Equal(3, page.Summary.Count);

        // The predictions' features and outcomes read her spending as the large number it is; training goes through.
        var features = await kit.RunAsync(sp => CustomerFeatures.ReadAsync(sp.GetRequiredService<KithDb>(), now, Ct));
        Assert.Equal(18_000_000_000_000, features[ann].Revenue90, 1e3);
        Assert.Equal(12.345678, features[bo].Revenue90, 1e-9);
        var (_, spent) = await kit.RunAsync(sp => CustomerFeatures.OutcomesAsync(sp.GetRequiredService<KithDb>(), now.AddDays(-90), now, Ct));
        Assert.Equal(18_000_000_000_000, spent[ann], 1e3);
        var run = await kit.RunAsync(sp => sp.GetRequiredService<TrainPredictions>().HandleAsync(null, null, Ct));
        Assert.NotNull(run.Churn.Error);
    }
}
