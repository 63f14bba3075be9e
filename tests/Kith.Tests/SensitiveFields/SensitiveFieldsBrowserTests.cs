using Kith.Core.Customers;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Tests.Browser;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Kith.Tests.SensitiveFields;

/// <summary>The sensitive fields page in a real Chromium: an admin marks phone sensitive, the stored values are converted, the customer page still shows the number.</summary>
public sealed class SensitiveFieldsBrowserTests
{
    [Fact]
    public async Task AnAdminMarksPhoneSensitiveAndTheCustomerPageStillShowsTheNumberStoredEncrypted()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var browser = await BrowserSession.StartAsync();
        await using var host = await KithTestHost.StartAsync();
        var adminId = await host.CreateUserAsync("ada@example.com", Role.Admin, CustomerBrowserTests.Password);
        var id = await host.CreateCustomerAsync(adminId, new CustomerInput { Name = "王小明", Phone = "+8613800138000" });

        var page = await browser.NewPageAsync(host.Address);
        await CustomerBrowserTests.SignInAsync(page, "ada@example.com", "/admin/sensitive-fields");
        await CustomerBrowserTests.Interactive(page);
        var phone = page.GetByRole(AriaRole.Switch, new() { Name = "Phone", Exact = true });
        await Assertions.Expect(phone).Not.ToBeCheckedAsync();
        await phone.ClickAsync();
        await Assertions.Expect(page.GetByText("Saved.")).ToBeVisibleAsync();
        await Assertions.Expect(phone).ToBeCheckedAsync();
        // The background conversion ends, and the page drops its "converting" mark.
        await Assertions.Expect(page.GetByText("converting", new() { Exact = true })).ToHaveCountAsync(0);

        await using (var db = host.OpenDb())
        {
            var stored = await db.Database.SqlQuery<string>($"SELECT phone AS \"Value\" FROM customers WHERE id = {id}").SingleAsync(ct);
            Assert.StartsWith("enc:v1:", stored);
        }
        await page.GotoAsync($"/customers/{id}");
        await Assertions.Expect(page.GetByText("+8613800138000").First).ToBeVisibleAsync();
    }
}
