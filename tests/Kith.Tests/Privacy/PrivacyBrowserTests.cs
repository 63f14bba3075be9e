using System.Text.RegularExpressions;
using Kith.Core.Customers;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Tests.Browser;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Kith.Tests.Privacy;

/// <summary>The privacy section of the customer page in a real Chromium: withdraw a consent, then erase the person by typing their name.</summary>
public sealed class PrivacyBrowserTests
{
    [Fact]
    public async Task AnAdminWithdrawsAConsentThenErasesThePersonAfterTypingTheirName()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var browser = await BrowserSession.StartAsync();
        await using var host = await KithTestHost.StartAsync();
        var adminId = await host.CreateUserAsync("ada@example.com", Role.Admin, CustomerBrowserTests.Password);
        var id = await host.CreateCustomerAsync(adminId, new CustomerInput { Name = "王小明", Email = "wxm@example.cn" });

        var page = await browser.NewPageAsync(host.Address);
        await CustomerBrowserTests.SignInAsync(page, "ada@example.com", "/customers");
        await page.GotoAsync($"/customers/{id}");
        await CustomerBrowserTests.Interactive(page);
        var sms = page.Locator("[data-test=consent-sms]");
        await Expect(sms.Locator("[data-test=consent-status]")).ToHaveTextAsync("Not asked");
        await sms.Locator("[data-test=withdraw]").ClickAsync();
        await Expect(sms.Locator("[data-test=consent-status]")).ToHaveTextAsync("Withdrawn");

        await page.ClickAsync("[data-test=erase]");
        var now = page.Locator("[data-test=erase-now]");
        await Expect(now).ToBeDisabledAsync();
        await CustomerBrowserTests.Field(page, "erase-name").FillAsync("王小");
        await Expect(now).ToBeDisabledAsync();
        await CustomerBrowserTests.Field(page, "erase-name").FillAsync("王小明");
        await Expect(now).ToBeEnabledAsync();
        await now.ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/customers$"));

        await using var db = host.OpenDb();
        Assert.False(await db.Customers.AnyAsync(c => c.Id == id, ct));
        Assert.Equal(0, await db.Consents.CountAsync(ct));
        Assert.Equal(1, await db.Erasures.CountAsync(ct));
    }

    private static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);
    private static IPageAssertions Expect(IPage page) => Assertions.Expect(page);
}
