using Kith.Core.Identity;
using Kith.Tests.Browser;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Kith.Tests.Localization;

/// <summary>The engine's rule messages in a real Chromium with the Chinese UI (ADR-0055).</summary>
public sealed class RuleMessagesBrowserTests
{
    [Fact]
    public async Task AChineseUserWritingABadSegmentFilterReadsTheEnginesRefusalInChinese()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var browser = await BrowserSession.StartAsync();
        await using var host = await KithTestHost.StartAsync();
        var adminId = await host.CreateUserAsync("li@example.com", Role.Admin, CustomerBrowserTests.Password);
        await using (var db = host.OpenDb())
            await db.Users.Where(u => u.Id == adminId).ExecuteUpdateAsync(u => u.SetProperty(x => x.Language, "zh-Hans"), ct);

        var page = await browser.NewPageAsync(host.Address);
        await CustomerBrowserTests.SignInAsync(page, "li@example.com", "/segments/new");
        await page.ClickAsync("[data-test=as-text]");
        var text = CustomerBrowserTests.Field(page, "filter-text");

        // The live count: the filter parser's refusal, with the field and position as typed.
        await text.FillAsync("colour eq \"red\"");
        await text.PressAsync("Tab");
        var countError = page.Locator("[data-test=count-error]");
        await Expect(countError).ToContainTextAsync("位置 1 的字段 'colour' 不存在。可用字段：");
        await Expect(countError).Not.ToContainTextAsync("Unknown field");

        // Saving: the per-field error of the same refusal, and a rule of the segment itself.
        await text.FillAsync("city eq");
        await text.PressAsync("Tab");
        await Expect(countError).ToContainTextAsync("应为一个值");
        await CustomerBrowserTests.Field(page, "segment-name").FillAsync("上海客户");
        await page.ClickAsync("[data-test=save-segment]");
        var saveError = page.Locator("[data-test=save-error]");
        await Expect(saveError).ToContainTextAsync("应为一个值");
        await Expect(saveError).Not.ToContainTextAsync("Expected");
    }
}
