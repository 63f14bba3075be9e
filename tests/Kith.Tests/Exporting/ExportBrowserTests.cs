using Kith.Core.Identity;
using Kith.Tests.Browser;
using Kith.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Kith.Tests.Exporting;

/// <summary>The list's Export menu in a real Chromium: the file downloads with what the list shows.</summary>
public sealed class ExportBrowserTests
{
    [Fact]
    public async Task TheExportMenuDownloadsTheListAsItIsSearched()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var browser = await BrowserSession.StartAsync();
        await using var host = await KithTestHost.StartAsync();
        var adminId = await host.CreateUserAsync("ada@example.com", Role.Admin, CustomerBrowserTests.Password);
        await CustomerBrowserTests.SeedAsync(host, adminId, ct);

        var page = await browser.NewPageAsync(host.Address);
        await CustomerBrowserTests.SignInAsync(page, "ada@example.com", "/customers");
        await CustomerBrowserTests.Field(page, "search").FillAsync("张伟");
        await Assertions.Expect(page.Locator("[data-test=customer-link]")).ToHaveCountAsync(1);

        await page.Locator("[data-test=export-menu] button").First.ClickAsync();
        var download = await page.RunAndWaitForDownloadAsync(() => page.Locator(".mud-popover-open [data-test=export-csv]").ClickAsync());
        Assert.Matches(@"^customers-\d{4}-\d{2}-\d{2}\.csv$", download.SuggestedFilename);
        var path = Path.Combine(host.Database.Folder, download.SuggestedFilename);
        await download.SaveAsAsync(path);
        var rows = ExportApiTests.Csv(await File.ReadAllBytesAsync(path, ct));
        // The list's default columns, in its order; the search found one customer.
        Assert.Equal(["name", "email", "phone", "company", "city", "stage", "owner", "updatedAt"], rows[0]);
        Assert.Equal("张伟", Assert.Single(rows.Skip(1))[0]);
        // Still on the list, still interactive: the download did not navigate away.
        await Assertions.Expect(page.Locator("[data-test=customer-link]")).ToHaveCountAsync(1);

        await page.GotoAsync("/companies");
        await CustomerBrowserTests.Interactive(page);
        await page.Locator("[data-test=export-menu] button").First.ClickAsync();
        var workbook = await page.RunAndWaitForDownloadAsync(() => page.Locator(".mud-popover-open [data-test=export-xlsx]").ClickAsync());
        Assert.Matches(@"^companies-\d{4}-\d{2}-\d{2}\.xlsx$", workbook.SuggestedFilename);
    }
}
