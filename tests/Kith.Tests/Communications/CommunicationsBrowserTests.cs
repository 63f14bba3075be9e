using System.Text.RegularExpressions;
using Kith.Core.Identity;
using Kith.Tests.Browser;
using Kith.Tests.Infrastructure;
using Microsoft.Playwright;
using static Kith.Tests.Browser.CustomerBrowserTests;

namespace Kith.Tests.Communications;

/// <summary>Logging an activity from a customer page in a real Chromium, and finding it on the timeline and in "My day".</summary>
public sealed class CommunicationsBrowserTests
{
    [Fact]
    public async Task AnAgentLogsACallWithAFollowUpOnACustomerPageAndSeesBothOnTheTimeline()
    {
        await using var browser = await BrowserSession.StartAsync();
        await using var host = await KithTestHost.StartAsync();
        await host.CreateUserAsync("li.na@example.com", Role.Agent, Password);
        var api = await host.ApiClientAsync((await host.CreateUserAsync("helper@example.com", Role.Admin)));
        var customerId = await CommunicationsApiTests.CustomerAsync(api, "陈静");
        await using (var db = host.OpenDb())
        {
            var agent = db.Users.Single(u => u.Email == "li.na@example.com").Id;
            db.Customers.Single(c => c.Id == customerId).OwnerId = agent;
            await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        }

        var page = await browser.NewPageAsync(host.Address);
        await SignInAsync(page, "li.na@example.com", $"/customers/{customerId}");
        await Assertions.Expect(page.Locator("[data-test=timeline-entry]").First).ToBeVisibleAsync();

        await page.ClickAsync("[data-test=log-activity]");
        var dialog = page.Locator(".mud-dialog");
        await Assertions.Expect(dialog).ToBeVisibleAsync();
        await ChooseAsync(page, "Direction", "outbound", dialog);
        await Field(page, "activity-subject").FillAsync("报价电话");
        await Field(page, "activity-content").FillAsync("Asked for the price of 50 units.");
        await ChooseAsync(page, "Outcome", "Follow-up needed", dialog);
        await dialog.GetByText("Add a follow-up task").ClickAsync();
        await Field(page, "follow-up-title").FillAsync("Send the quote");
        await page.ClickAsync("[data-test=activity-save]");
        await Assertions.Expect(dialog).ToHaveCountAsync(0);

        var entries = page.Locator("[data-test=timeline-entry]");
        var call = entries.Filter(new() { HasText = "报价电话" });
        await Assertions.Expect(call).ToHaveCountAsync(1);
        await Assertions.Expect(call).ToContainTextAsync("Phone");
        await Assertions.Expect(call).ToContainTextAsync("Follow-up needed");
        await Assertions.Expect(call).ToContainTextAsync("Asked for the price of 50 units.");
        await Assertions.Expect(entries.Filter(new() { HasText = "Send the quote" })).ToHaveCountAsync(1);

        // Search inside contents narrows the timeline to the call.
        await Field(page, "timeline-search").FillAsync("price");
        await Assertions.Expect(entries).ToHaveCountAsync(1);
        await ScreenshotAsync(page, "customer-timeline.png");

        await page.ClickAsync("[data-test=nav-my-day]");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/my-day$"));
        await Assertions.Expect(page.Locator("[data-test=my-day-upcoming] [data-test=task]")).ToContainTextAsync("Send the quote");
    }
}
