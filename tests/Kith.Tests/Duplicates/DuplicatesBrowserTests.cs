using System.Text.RegularExpressions;
using Kith.Core.Customers;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Tests.Browser;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Kith.Tests.Duplicates;

/// <summary>The duplicate review in a real Chromium against the real host: scan, open a pair, choose, merge, undo.</summary>
public sealed class DuplicatesBrowserTests
{
    [Fact]
    public async Task AnAdminScansOpensAPairKeepsTheOtherCityMergesAndUndoes()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var browser = await BrowserSession.StartAsync();
        await using var host = await KithTestHost.StartAsync();
        var adminId = await host.CreateUserAsync("ada@example.com", Role.Admin, CustomerBrowserTests.Password);
        long keptId, awayId;
        await using (var scope = host.Services.CreateAsyncScope())
        {
            var access = await AccessScope.ForUserAsync(scope.ServiceProvider.GetRequiredService<KithDb>(), adminId, ct) ?? throw new InvalidOperationException();
            var create = scope.ServiceProvider.GetRequiredService<CreateCustomer>();
            keptId = (await create.HandleAsync(new CustomerInput { Name = "王小明", Email = "wxm@example.cn", City = "上海", ExternalId = "ERP-1" }, access, ActorKind.User, ct)).Id;
            awayId = (await create.HandleAsync(new CustomerInput { Name = "王小明", Email = "wxm@other.example.cn", City = "杭州", ExternalId = "ERP-2" }, access, ActorKind.User, ct)).Id;
            // A second live customer with the same email cannot be created (ADR-0018), but an edit can make one.
            await scope.ServiceProvider.GetRequiredService<UpdateCustomer>().PatchAsync(awayId,
                System.Text.Json.JsonDocument.Parse("{\"email\":\"wxm@example.cn\"}").RootElement, null, access, ActorKind.User, ct);
            await create.HandleAsync(new CustomerInput { Name = "Emma Schmidt", Email = "emma@example.eu" }, access, ActorKind.User, ct);
        }

        var page = await browser.NewPageAsync(host.Address);
        await CustomerBrowserTests.SignInAsync(page, "ada@example.com", "/duplicates");
        await Expect(page.Locator("[data-test=total]")).ToHaveTextAsync("0 pairs");
        await page.ClickAsync("[data-test=scan]");
        await Expect(page.Locator("[data-test=scan-result]")).ToContainTextAsync("Scanned 3 customers");
        var review = page.Locator("[data-test=review]");
        await Expect(review).ToHaveCountAsync(1);
        await Expect(review).ToHaveCountAsync(1);
        await Expect(page.Locator("[data-test=reasons]").First).ToContainTextAsync("same email");
        await review.ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex(@"/duplicates/\d+$"));
        var pairUrl = page.Url;
        await CustomerBrowserTests.Interactive(page);

        await Expect(page.Locator("[data-test=field-city]")).ToContainTextAsync("杭州");
        await page.ClickAsync("[data-test=choose-city-b]");
        // MudBlazor marks the chosen radio with a class once the choice reached the server; a click on Merge before would lose it.
        await Expect(page.Locator("label:has([data-test=choose-city-b]) .mud-checked")).ToHaveCountAsync(1);
        await page.ClickAsync("[data-test=merge]");
        await Expect(page.Locator("[data-test=merged]")).ToBeVisibleAsync();
        Assert.Equal(("杭州", (long?)keptId), await StateAsync(host, keptId, awayId, ct));

        await page.ClickAsync("[data-test=undo]");
        await Expect(page.Locator("[data-test=compare]")).ToBeVisibleAsync();
        Assert.Equal(("上海", (long?)null), await StateAsync(host, keptId, awayId, ct));

        // The customer's page points at its open pair.
        await page.GotoAsync($"/customers/{keptId}");
        await CustomerBrowserTests.Interactive(page);
        await Expect(page.Locator("[data-test=possible-duplicates]")).ToContainTextAsync("Possible duplicates (1)");
        await page.ClickAsync("[data-test=possible-duplicates]");
        await Expect(page).ToHaveURLAsync(pairUrl);

        // The same pair on a phone: everything fits the width.
        var phone = await browser.NewPageAsync(host.Address, width: 375, height: 812);
        await CustomerBrowserTests.SignInAsync(phone, "ada@example.com", new Uri(pairUrl).AbsolutePath);
        await Expect(phone.Locator("[data-test=merge]")).ToBeVisibleAsync();
        var widths = await phone.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]");
        Assert.True(widths[0] <= widths[1] + 1, $"The page scrolls sideways: {widths[0]}px of content in {widths[1]}px.");
    }

    /// <summary>The survivor's city and whom the other record is merged into.</summary>
    private static async Task<(string? City, long? MergedInto)> StateAsync(KithTestHost host, long keptId, long awayId, CancellationToken ct)
    {
        await using var db = host.OpenDb();
        var city = await db.Customers.Where(c => c.Id == keptId).Select(c => c.City).SingleAsync(ct);
        var mergedInto = await db.Customers.Where(c => c.Id == awayId).Select(c => c.MergedIntoId).SingleAsync(ct);
        return (city, mergedInto);
    }

    private static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);

    private static IPageAssertions Expect(IPage page) => Assertions.Expect(page);
}
