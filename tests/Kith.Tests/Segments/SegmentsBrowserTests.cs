using System.Text.RegularExpressions;
using Kith.Core.Behavior;
using Kith.Core.Customers;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Tests.Browser;
using Kith.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Kith.Tests.Segments;

/// <summary>The segment builder in a real Chromium: rules, the live count, saving, and the customer list it opens.</summary>
public sealed class SegmentsBrowserTests
{
    [Fact]
    public async Task AMarketerBuildsASegmentFromRulesSeesTheCountAndOpensItsCustomers()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var browser = await BrowserSession.StartAsync();
        await using var host = await KithTestHost.StartAsync();
        var adminId = await host.CreateUserAsync("mia@example.com", Role.Admin, CustomerBrowserTests.Password);
        await using (var scope = host.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<KithDb>();
            var access = await AccessScope.ForUserAsync(db, adminId, ct) ?? throw new InvalidOperationException();
            var create = scope.ServiceProvider.GetRequiredService<CreateCustomer>();
            var looker = (await create.HandleAsync(new CustomerInput { Name = "Looker Lu", Stage = LifecycleStage.Prospect }, access, ActorKind.User, ct)).Id;
            var buyer = (await create.HandleAsync(new CustomerInput { Name = "Buyer Bai", Stage = LifecycleStage.Prospect }, access, ActorKind.User, ct)).Id;
            await create.HandleAsync(new CustomerInput { Name = "Quiet Qi", Stage = LifecycleStage.Prospect }, access, ActorKind.User, ct);
            db.BehaviorEvents.Add(new BehaviorEvent { CustomerId = looker, Type = "access", Page = "/pricing", OccurredAt = DateTime.UtcNow.AddDays(-1) });
            db.BehaviorEvents.Add(new BehaviorEvent { CustomerId = buyer, Type = "access", Page = "/pricing", OccurredAt = DateTime.UtcNow.AddDays(-1) });
            db.BehaviorEvents.Add(new BehaviorEvent { CustomerId = buyer, Type = "purchase", OccurredAt = DateTime.UtcNow.AddHours(-2) });
            await db.SaveChangesAsync(ct);
        }

        var page = await browser.NewPageAsync(host.Address);
        await CustomerBrowserTests.SignInAsync(page, "mia@example.com", "/segments/new");
        await CustomerBrowserTests.Interactive(page);
        await CustomerBrowserTests.Field(page, "segment-name").FillAsync("Looked at pricing, never bought");
        await Expect(page.Locator("[data-test=live-count]")).ToHaveTextAsync("3 customers");

        // The first rule: visited /pricing.
        await ChooseAsync(page, Select(page, "Rule type", 0), "Visited page");
        await Value(page, 0).FillAsync("/pricing");
        await Value(page, 0).PressAsync("Tab");
        await Expect(page.Locator("[data-test=live-count]")).ToHaveTextAsync("2 customers");

        // The second: no purchase events, ever.
        await page.ClickAsync("[data-test=add-rule]");
        await ChooseAsync(page, Select(page, "Rule type", 1), "Events");
        await ChooseAsync(page, Select(page, "Condition", 1), "exactly");
        await Value(page, 1).FillAsync("0");
        await Value(page, 1).PressAsync("Tab");
        await ChooseAsync(page, Select(page, "Period", 1), "ever");
        await Expect(page.Locator("[data-test=filter-preview]")).ToHaveTextAsync("visited.30d eq \"/pricing\" and events.purchase eq 0");
        await Expect(page.Locator("[data-test=live-count]")).ToHaveTextAsync("1 customer");

        await CustomerBrowserTests.ScreenshotAsync(page, "segment-builder.png");
        await page.ClickAsync("[data-test=save-segment]");
        await Expect(page).ToHaveURLAsync(new Regex(@"/segments/\d+$"));
        await CustomerBrowserTests.Interactive(page);
        await page.ClickAsync("[data-test=segment-customers]");
        await Expect(page).ToHaveURLAsync(new Regex(@"/customers\?segment=looked-at-pricing-never-bought$"));
        await Expect(page.Locator("[data-test=customer-link]")).ToHaveTextAsync(["Looker Lu"]);

        await page.GotoAsync("/segments");
        await Expect(page.Locator("[data-test=segment-link]")).ToHaveTextAsync(["Looked at pricing, never bought"]);
        await Expect(page.Locator("[data-test=segment-count]")).ToHaveTextAsync(["1"]);
    }

    private static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);

    private static IPageAssertions Expect(IPage page) => Assertions.Expect(page);

    private static ILocator Select(IPage page, string label, int row) =>
        page.Locator("[data-test=rule]").Nth(row).Locator($"[role=combobox][aria-label=\"{label}\"]");

    private static ILocator Value(IPage page, int row) => page.Locator("[data-test=rule]").Nth(row).Locator("input[data-test=rule-value], [data-test=rule-value] input").First;

    private static async Task ChooseAsync(IPage page, ILocator select, string option)
    {
        await select.ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item").GetByText(option, new() { Exact = true }).ClickAsync();
        // The choice reaches the server before the select shows it.
        await Expect(select).ToHaveTextAsync(option);
    }
}
