using System.Text.RegularExpressions;
using Kith.Core.Identity;
using Kith.Tests.Communications;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using static Kith.Tests.Browser.CustomerBrowserTests;

namespace Kith.Tests.Cases;

/// <summary>The service team's path in a real Chromium: a call becomes a case, it is answered, found in the list and moved on the board.</summary>
public sealed class CasesBrowserTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AnAgentOpensACaseFromACallRepliesFindsItInTheListWithTheBreachedOneInRedAndMovesItOnTheBoard()
    {
        await using var browser = await Kith.Tests.Browser.BrowserSession.StartAsync();
        await using var host = await KithTestHost.StartAsync();
        var agentId = await host.CreateUserAsync("li.na@example.com", Role.Agent, Password);
        var api = await host.ApiClientAsync(agentId);
        var customerId = await CommunicationsApiTests.CustomerAsync(api, "陈静");
        await api.PostJsonAsync("/api/v1/communications", new { customerId, channel = "phone", direction = "inbound", subject = "屏幕坏了", content = "The screen flickers." });
        var late = await (await api.PostJsonAsync("/api/v1/cases", new { subject = "Late refund", customerId, priority = "urgent" })).JsonAsync();
        await using (var db = host.OpenDb())
        {
            var id = late.GetProperty("id").GetInt64();
            await db.Cases.Where(c => c.Id == id).ExecuteUpdateAsync(s => s.SetProperty(c => c.DueAt, DateTime.UtcNow.AddHours(-1)), Ct);
        }

        var page = await browser.NewPageAsync(host.Address);
        await SignInAsync(page, "li.na@example.com", $"/customers/{customerId}");
        var call = page.Locator("[data-test=timeline-entry]").Filter(new() { HasText = "屏幕坏了" });
        await call.Locator("[data-test=communication-details]").ClickAsync();
        await call.Locator("[data-test=communication-open-case]").ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex(@"/cases/\d+$"));
        await Assertions.Expect(page.Locator("[data-test=case-title]")).ToContainTextAsync("屏幕坏了");
        await Assertions.Expect(page.Locator("[data-test=case-communication]")).ToHaveCountAsync(1);

        await ChooseAsync(page, "Priority", "High");
        await Field(page, "case-reply").FillAsync("A courier collects it tomorrow.");
        await page.ClickAsync("[data-test=case-reply-save]");
        await Assertions.Expect(page.Locator("[data-test=case-communication]")).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator("[data-test=case-first-response]")).Not.ToHaveTextAsync("—");
        await Assertions.Expect(page.Locator("[data-test=history]")).ToContainTextAsync("Priority");
        await ScreenshotAsync(page, "case-detail.png");

        await page.ClickAsync("[data-test=nav-cases]");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/cases$"));
        var rows = page.Locator("[data-test=cases-grid] tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        await Assertions.Expect(rows.Filter(new() { HasText = "Late refund" }).Locator("[data-test=case-breached]")).ToBeVisibleAsync();
        await Assertions.Expect(rows.Filter(new() { HasText = "屏幕坏了" }).Locator("[data-test=case-due]")).ToBeVisibleAsync();
        await page.GetByText("Only breached").ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await ScreenshotAsync(page, "case-list.png");
        // The Export menu downloads the list as filtered on screen: the breached case only.
        await page.Locator("[data-test=export-menu] button").First.ClickAsync();
        var download = await page.RunAndWaitForDownloadAsync(() => page.Locator(".mud-popover-open [data-test=export-csv]").ClickAsync());
        Assert.Matches(@"^cases-\d{4}-\d{2}-\d{2}\.csv$", download.SuggestedFilename);
        var path = Path.Combine(host.Database.Folder, download.SuggestedFilename);
        await download.SaveAsAsync(path);
        Assert.Equal(["Late refund"], Kith.Tests.Exporting.ExportApiTests.Csv(await File.ReadAllBytesAsync(path, Ct)).Skip(1).Select(r => r[1]));
        await page.Keyboard.PressAsync("Escape");

        await page.ClickAsync("[data-test=nav-case-board]");
        var open = page.Locator("[data-test=board-open] [data-test=board-case]");
        await Assertions.Expect(open).ToHaveCountAsync(2);
        var card = open.Filter(new() { HasText = "屏幕坏了" });
        await card.Locator("[data-test=board-move]").ClickAsync();
        await page.Locator(".mud-popover-open [data-test=move-pending]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-test=board-pending] [data-test=board-case]")).ToContainTextAsync("屏幕坏了");
        await Assertions.Expect(open).ToHaveCountAsync(1);
        await ScreenshotAsync(page, "case-board.png");
    }
}
