using Kith.Core.Behavior;
using Kith.Core.Communications;
using Kith.Core.Customers;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Core.Purchases;
using Kith.Tests.Browser;
using Kith.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Kith.Tests.Analytics;

/// <summary>The analytics page and the home dashboards in a real Chromium against the real host, on a small shop's last weeks.</summary>
public sealed class AnalyticsBrowserTests
{
    private static async Task SeedAsync(KithTestHost host, long ownerId, CancellationToken ct)
    {
        var today = DateTime.UtcNow.Date;
        await using var db = host.OpenDb();
        var customers = Enumerable.Range(1, 6).Select(i => new Customer
        {
            Name = $"客户{i}", OwnerId = ownerId, Stage = i % 2 == 0 ? LifecycleStage.Customer : LifecycleStage.Lead,
            SignupDate = DateOnly.FromDateTime(today.AddDays(-40 + i)), CreatedAt = today.AddDays(-40), UpdatedAt = today.AddDays(-40),
        }).ToList();
        db.Customers.AddRange(customers);
        await db.SaveChangesAsync(ct);
        var n = 0;
        foreach (var (c, i) in customers.Select((c, i) => (c, i)))
        {
            for (var d = 0; d <= i; d++)
                db.BehaviorEvents.Add(new BehaviorEvent { EventId = $"e{++n}", CustomerId = c.Id, Type = d % 3 == 0 ? "access" : d % 3 == 1 ? "like" : "purchase", OccurredAt = today.AddDays(-20 + d).AddHours(9 + i), Page = "/pricing" });
            db.Purchases.Add(new Purchase { CustomerId = c.Id, OrderedAt = today.AddDays(-10 + i), Product = i % 2 == 0 ? "Tea" : "Kettle", AmountMicros = (i + 1) * 25_000_000, CreatedAt = today });
            db.Communications.Add(new Communication { CustomerId = c.Id, Channel = i % 2 == 0 ? "phone" : "wechat", OccurredAt = today.AddDays(-5), Outcome = "resolved", CreatedAt = today, CreatedByKind = ActorKind.User });
        }
        await db.SaveChangesAsync(ct);
    }

    [Fact]
    public async Task AnAdminRecomputesRfmAndSeesEachAnalysisAndTheTeamDashboardsDrawn()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var browser = await BrowserSession.StartAsync();
        await using var host = await KithTestHost.StartAsync();
        var adminId = await host.CreateUserAsync("ada@example.com", Role.Admin, CustomerBrowserTests.Password);
        await SeedAsync(host, adminId, ct);

        var page = await browser.NewPageAsync(host.Address);
        await CustomerBrowserTests.SignInAsync(page, "ada@example.com", "/analytics");
        await CustomerBrowserTests.Interactive(page);
        await Expect(page.Locator("[data-test=rfm-never]")).ToBeVisibleAsync();
        await page.ClickAsync("[data-test=rfm-recompute]");
        await Expect(page.Locator("[data-test=rfm-computed]")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-test=rfm-chart] svg path").First).ToBeVisibleAsync();
        await Expect(page.Locator("[data-test=rfm-table] tbody tr")).ToHaveCountAsync(11);

        await page.GetByRole(AriaRole.Tab, new() { Name = "Cohorts" }).ClickAsync();
        await Expect(page.Locator("[data-test=cohorts-table] tbody tr").First).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Tab, new() { Name = "Funnel" }).ClickAsync();
        await Expect(page.Locator("[data-test=funnel-table] tbody tr")).ToHaveCountAsync(3);
        await Expect(page.Locator("[data-test=funnel-chart] svg").First).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Tab, new() { Name = "Trends" }).ClickAsync();
        await Expect(page.Locator("[data-test=trends-chart] svg").First).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Tab, new() { Name = "Top products and pages" }).ClickAsync();
        await Expect(page.Locator("[data-test=top-table]")).ToContainTextAsync("Kettle");
        // The chart's Download menu offers a workbook: the products as text, their revenue as numbers.
        await page.Locator("[data-test=top-menu] button").First.ClickAsync();
        var workbook = await page.RunAndWaitForDownloadAsync(() => page.Locator(".mud-popover-open [data-test=top-xlsx]").ClickAsync());
        Assert.Equal("top-products.xlsx", workbook.SuggestedFilename);
        var path = Path.Combine(host.Database.Folder, workbook.SuggestedFilename);
        await workbook.SaveAsAsync(path);
        var rows = MiniExcelLibs.MiniExcel.Query(path, useHeaderRow: true).Cast<IDictionary<string, object?>>().ToList();
        Assert.Equal(["Kettle", "Tea"], rows.Select(r => r["product"]?.ToString()).Order());
        Assert.Equal(25.0 * (2 + 4 + 6) + 25.0 * (1 + 3 + 5), rows.Sum(r => Assert.IsType<double>(r["revenue"])));
        await page.GetByRole(AriaRole.Tab, new() { Name = "Activity by hour" }).ClickAsync();
        await Expect(page.Locator("[data-test=heatmap-table] tbody tr")).ToHaveCountAsync(7);
        await page.Locator("[data-test=heatmap-menu] button").First.ClickAsync();
        var download = await page.RunAndWaitForDownloadAsync(() => page.Locator(".mud-popover-open [data-test=heatmap-csv]").ClickAsync());
        Assert.Equal("heatmap.csv", download.SuggestedFilename);

        await page.GotoAsync("/");
        await CustomerBrowserTests.Interactive(page);
        await Expect(page.Locator("[data-test=kpi-new]")).ToHaveTextAsync("6");
        await Expect(page.Locator("[data-test=dashboard-revenue-chart] svg").First).ToBeVisibleAsync();
        await Expect(page.Locator("[data-test=dashboard-pipeline-chart] svg").First).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Tab, new() { Name = "Service" }).ClickAsync();
        await Expect(page.Locator("[data-test=kpi-communications]")).ToHaveTextAsync("6");
        await Expect(page.Locator("[data-test=dashboard-outcome-chart] svg").First).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Tab, new() { Name = "Marketing" }).ClickAsync();
        await Expect(page.Locator("[data-test=dashboard-rfm-chart] svg").First).ToBeVisibleAsync();
        await Expect(page.Locator("[data-test=dashboard-events-chart] svg").First).ToBeVisibleAsync();
    }

    [Fact]
    public async Task ADashboardWithNothingInThePeriodSaysSoInsteadOfDrawingEmptyCharts()
    {
        await using var browser = await BrowserSession.StartAsync();
        await using var host = await KithTestHost.StartAsync();
        await host.CreateUserAsync("ada@example.com", Role.Admin, CustomerBrowserTests.Password);

        var page = await browser.NewPageAsync(host.Address);
        await CustomerBrowserTests.SignInAsync(page, "ada@example.com", "/");
        await CustomerBrowserTests.Interactive(page);
        await Expect(page.Locator("[data-test=kpi-revenue]")).ToBeVisibleAsync();
        foreach (var chart in new[] { "dashboard-revenue-chart", "dashboard-customers-chart", "dashboard-pipeline-chart" })
        {
            await Expect(page.Locator($"[data-test={chart}-empty]")).ToHaveTextAsync("Nothing in this period.");
            await Expect(page.Locator($"[data-test={chart}]")).ToHaveCountAsync(0);
        }
        await page.GetByRole(AriaRole.Tab, new() { Name = "Service" }).ClickAsync();
        await Expect(page.Locator("[data-test=dashboard-outcome-chart-empty]")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-test=dashboard-channel-chart-empty]")).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Tab, new() { Name = "Marketing" }).ClickAsync();
        await Expect(page.Locator("[data-test=dashboard-events-chart-empty]")).ToBeVisibleAsync();
    }

    private static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);
}
