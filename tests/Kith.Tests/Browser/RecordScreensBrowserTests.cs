using System.Text.RegularExpressions;
using Kith.Core.Customers;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Kith.Tests.Browser.CustomerBrowserTests;

namespace Kith.Tests.Browser;

/// <summary>Custom fields, filters, saved views, columns, delete and restore, edit conflicts, companies and the start page, in Chromium.</summary>
public sealed class RecordScreensBrowserTests
{
    [Fact]
    public async Task AnAdminDefinesAChoiceFieldUsesItInTheFormFiltersByItAndSavesTheViewWithItsColumn()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var browser = await BrowserSession.StartAsync();
        await using var host = await KithTestHost.StartAsync();
        var adminId = await host.CreateUserAsync("ada@example.com", Role.Admin);
        await SeedAsync(host, adminId, ct);
        var page = await browser.NewPageAsync(host.Address);
        await SignInAsync(page, "ada@example.com", "/admin/custom-fields");

        await Field(page, "cf-label").FillAsync("Tier");
        await Field(page, "cf-key").FillAsync("tier");
        await ChooseAsync(page, "Type", "Choice");
        await Field(page, "cf-choices").FillAsync("gold\nsilver");
        await page.ClickAsync("[data-test=cf-save]");
        await Assertions.Expect(page.Locator("[data-test=cf-table] tr", new() { HasText = "tier" })).ToHaveCountAsync(1);

        await page.GotoAsync("/customers/new");
        await Interactive(page);
        await Field(page, "name").FillAsync("Zoë Tier");
        await ChooseAsync(page, "Tier", "gold");
        await page.ClickAsync("[data-test=save]");
        await Assertions.Expect(page.Locator("[data-test=cf-value-tier]")).ToHaveTextAsync("gold");

        await page.GotoAsync("/customers");
        await Interactive(page);
        await page.ClickAsync("[data-test=filters-toggle]");
        await ChooseAsync(page, "Tier", "gold", page.Locator("[data-test=filters]"));
        var rows = page.Locator("[data-test=customer-link]");
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await Assertions.Expect(rows.First).ToHaveTextAsync("Zoë Tier");

        await page.Locator("[data-test=views-menu] button").First.ClickAsync();
        await page.Locator(".mud-popover-open").GetByText("Save current view…").ClickAsync();
        await Field(page, "view-name").FillAsync("Gold tier");
        await page.ClickAsync("[data-test=view-name-save]");
        await Assertions.Expect(page.Locator(".mud-snackbar", new() { HasText = "View saved." })).ToBeVisibleAsync();

        await page.ClickAsync("[data-test=clear-filters]");
        await Assertions.Expect(rows).ToHaveCountAsync(21);
        await page.Locator("[data-test=views-menu] button").First.ClickAsync();
        await page.Locator(".mud-popover-open").GetByText("Gold tier").ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(1);

        // Column choice: the custom field can be shown as a column, and the choice survives a reload.
        await page.Locator("[data-test=columns-menu] button").First.ClickAsync();
        await page.Locator(".mud-popover-open label", new() { HasText = "Tier" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-test=customer-table] th", new() { HasText = "Tier" })).ToHaveCountAsync(1);
        await page.ReloadAsync();
        await Interactive(page);
        await Assertions.Expect(page.Locator("[data-test=customer-table] th", new() { HasText = "Tier" })).ToHaveCountAsync(1);
    }

    [Fact]
    public async Task ASaveOverSomeoneElsesChangeAsksToReloadAndADeletedCustomerCanBeRestored()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var browser = await BrowserSession.StartAsync();
        await using var host = await KithTestHost.StartAsync();
        var adminId = await host.CreateUserAsync("ada@example.com", Role.Admin);
        var ids = await SeedAsync(host, adminId, ct);
        var page = await browser.NewPageAsync(host.Address);
        await SignInAsync(page, "ada@example.com", $"/customers/{ids[0]}");
        await Assertions.Expect(page.Locator("[data-test=customer-name]")).ToHaveTextAsync("李娜");

        await page.ClickAsync("[data-test=edit]");
        await using (var scope = host.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<KithDb>();
            var access = (await AccessScope.ForUserAsync(db, adminId, ct))!;
            var current = await scope.ServiceProvider.GetRequiredService<CustomerQueries>().GetAsync(access, ids[0], ct);
            var input = current.ToInput();
            input.City = "西安";
            await scope.ServiceProvider.GetRequiredService<UpdateCustomer>().HandleAsync(ids[0], input, current.Version, access, ActorKind.Api, ct);
        }
        await Field(page, "city").FillAsync("南京");
        await page.ClickAsync("[data-test=save]");
        await Assertions.Expect(page.Locator("[data-test=conflict]")).ToBeVisibleAsync();
        await page.ClickAsync("[data-test=reload]");
        await Assertions.Expect(page.Locator("[data-test=value-city]")).ToHaveTextAsync("西安");
        await Assertions.Expect(page.Locator("[data-test=history] tr", new() { HasText = "(API)" })).ToHaveCountAsync(1);

        await page.ClickAsync("[data-test=delete]");
        await page.Locator(".mud-dialog").GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/customers$"));
        await Assertions.Expect(page.Locator("[data-test=total]")).ToContainTextAsync("19");

        await page.ClickAsync("[data-test=recently-deleted]");
        var deleted = page.Locator("[data-test=deleted-table] tr", new() { HasText = "李娜" });
        await Assertions.Expect(deleted).ToHaveCountAsync(1);
        await deleted.Locator("[data-test=restore]").ClickAsync();
        await Assertions.Expect(deleted).ToHaveCountAsync(0);
        await page.GotoAsync($"/customers/{ids[0]}");
        await Interactive(page);
        await Assertions.Expect(page.Locator("[data-test=history] tr", new() { HasText = "Restored" })).ToHaveCountAsync(1);

        await page.GotoAsync("/customers/987654");
        await Assertions.Expect(page.GetByText("There is nothing here.")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task TheStartPageCountsTheUsersRecordsAndACompanyPageListsItsCustomers()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var browser = await BrowserSession.StartAsync();
        await using var host = await KithTestHost.StartAsync();
        var adminId = await host.CreateUserAsync("ada@example.com", Role.Admin);
        await SeedAsync(host, adminId, ct);
        // An agent with no team sees none of the admin's records.
        await host.CreateUserAsync("bo@example.com", Role.Agent);
        var page = await browser.NewPageAsync(host.Address);
        await SignInAsync(page, "ada@example.com", "/");
        await Assertions.Expect(page.Locator("[data-test=home-customers]")).ToContainTextAsync("20");
        await Assertions.Expect(page.Locator("[data-test=home-companies]")).ToContainTextAsync("3");

        await page.GotoAsync("/companies");
        await Interactive(page);
        await Assertions.Expect(page.Locator("[data-test=company-link]")).ToHaveCountAsync(3);
        await page.Locator("[data-test=company-link]", new() { HasText = "星河科技" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-test=company-name]")).ToHaveTextAsync("星河科技");
        await Assertions.Expect(page.Locator("[data-test=company-customers] tbody tr")).ToHaveCountAsync(7);

        // Keyset paging: Next follows the cursor, Previous returns through the cursors already seen.
        await using (var scope = host.Services.CreateAsyncScope())
        {
            var access = (await AccessScope.ForUserAsync(scope.ServiceProvider.GetRequiredService<KithDb>(), adminId, ct))!;
            for (var i = 0; i < 10; i++)
                await scope.ServiceProvider.GetRequiredService<CreateCustomer>().HandleAsync(new CustomerInput { Name = $"Paging {i:00}" }, access, ActorKind.Api, ct);
        }
        await page.GotoAsync("/customers");
        await Interactive(page);
        var rows = page.Locator("[data-test=customer-link]");
        await Assertions.Expect(rows).ToHaveCountAsync(25);
        await Assertions.Expect(page.Locator("[data-test=total]")).ToContainTextAsync("30");
        await page.ClickAsync("[data-test=sort-name]");
        await Assertions.Expect(rows.First).ToHaveTextAsync("Chloé Dubois");
        await page.ClickAsync("[data-test=next-page]");
        await Assertions.Expect(page.Locator("[data-test=page-number]")).ToHaveTextAsync("Page 2");
        await Assertions.Expect(rows).ToHaveCountAsync(5);
        await Assertions.Expect(page.Locator("[data-test=next-page]")).ToBeDisabledAsync();
        await page.ClickAsync("[data-test=previous-page]");
        await Assertions.Expect(page.Locator("[data-test=page-number]")).ToHaveTextAsync("Page 1");
        await Assertions.Expect(rows).ToHaveCountAsync(25);
        await Assertions.Expect(rows.First).ToHaveTextAsync("Chloé Dubois");

        var agent = await browser.NewPageAsync(host.Address);
        await SignInAsync(agent, "bo@example.com", "/");
        await Assertions.Expect(agent.Locator("[data-test=home-customers]")).ToContainTextAsync("0");
        await agent.GotoAsync("/customers");
        await Interactive(agent);
        await Assertions.Expect(agent.Locator("[data-test=no-records]")).ToBeVisibleAsync();
        await Assertions.Expect(agent.Locator("[data-test=nav] a[href='/admin/users']")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task AnAdminChangesTheDefaultPhoneRegionAndAnUnknownRegionIsRefusedOnItsField()
    {
        await using var browser = await BrowserSession.StartAsync();
        await using var host = await KithTestHost.StartAsync();
        await host.CreateUserAsync("ada@example.com", Role.Admin);
        var page = await browser.NewPageAsync(host.Address);
        await SignInAsync(page, "ada@example.com", "/admin/settings");
        await Assertions.Expect(Field(page, "phone-region")).ToHaveValueAsync("CN");

        await Field(page, "phone-region").FillAsync("XX");
        await page.ClickAsync("[data-test=save-settings]");
        await Assertions.Expect(page.GetByText("'XX' is not a region code such as CN, US or GB.")).ToBeVisibleAsync();

        await Field(page, "phone-region").FillAsync("de");
        await page.ClickAsync("[data-test=save-settings]");
        await Assertions.Expect(Field(page, "phone-region")).ToHaveValueAsync("DE");
        await page.ReloadAsync();
        await Interactive(page);
        await Assertions.Expect(Field(page, "phone-region")).ToHaveValueAsync("DE");
    }
}
