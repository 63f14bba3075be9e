using System.Text.Json;
using Kith.Core.CustomFields;
using Kith.Core.Customers;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Tests.Browser;
using Kith.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Kith.Tests.Identity;

/// <summary>
/// A field hidden from a role is not on the customer page, in its form or in the list for a user of that role; a field
/// the role may only read is shown as not importable in the import wizard, which imports the rest of the file.
/// </summary>
public sealed class FieldSecurityBrowserTests
{
    [Fact]
    public async Task AnAgentSeesNoHiddenPhoneOrCustomFieldOnTheCustomerPageFormAndListWhileTheAdminDoes()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var browser = await BrowserSession.StartAsync();
        await using var host = await KithTestHost.StartAsync();
        var adminId = await host.CreateUserAsync("ada@example.com", Role.Admin, CustomerBrowserTests.Password);
        var agentId = await host.CreateUserAsync("bo@example.com", Role.Agent, CustomerBrowserTests.Password);
        var viewerId = await host.CreateUserAsync("cy@example.com", Role.Viewer, CustomerBrowserTests.Password);
        long customerId, viewersCustomerId;
        await using (var scope = host.Services.CreateAsyncScope())
        {
            var services = scope.ServiceProvider;
            var admin = await AccessScope.ForUserAsync(services.GetRequiredService<KithDb>(), adminId, ct) ?? throw new InvalidOperationException();
            await services.GetRequiredService<CustomFieldDefinitions>().CreateAsync(
                new CustomFieldInput { Entity = CustomFieldEntity.Customer, Key = "vip_note", Label = "VIP note", Type = CustomFieldType.Text }, admin, ct);
            await services.GetRequiredService<RoleSettings>().ReplaceFieldRulesAsync(Role.Agent,
            [
                new FieldRule { Entity = CustomFieldEntity.Customer, Field = "phone", Restriction = FieldRestriction.Hidden },
                new FieldRule { Entity = CustomFieldEntity.Customer, Field = "email", Restriction = FieldRestriction.Hidden },
                new FieldRule { Entity = CustomFieldEntity.Customer, Field = "cf.vip_note", Restriction = FieldRestriction.Hidden },
                new FieldRule { Entity = CustomFieldEntity.Customer, Field = "address", Restriction = FieldRestriction.ReadOnly },
            ], ct);
            customerId = (await services.GetRequiredService<CreateCustomer>().HandleAsync(new CustomerInput
            {
                Name = "王芳", Phone = "+86 139 0013 9000", Email = "wang.fang@example.com", City = "上海", OwnerId = agentId,
                CustomFields = new() { ["vip_note"] = JsonSerializer.SerializeToElement("lilac-ledger") },
            }, admin, ActorKind.User, ct)).Id;
            viewersCustomerId = (await services.GetRequiredService<CreateCustomer>().HandleAsync(new CustomerInput
            {
                Name = "赵敏", Email = "zhao.min@example.com", OwnerId = viewerId,
            }, admin, ActorKind.User, ct)).Id;
        }

        var adminPage = await browser.NewPageAsync(host.Address);
        await CustomerBrowserTests.SignInAsync(adminPage, "ada@example.com", $"/customers/{customerId}");
        await Assertions.Expect(adminPage.Locator("[data-test=value-phone]")).ToContainTextAsync("+8613900139000");
        await Assertions.Expect(adminPage.Locator("body")).ToContainTextAsync("lilac-ledger");
        await Assertions.Expect(adminPage.Locator("[data-test=write-email]")).ToHaveCountAsync(1);

        var page = await browser.NewPageAsync(host.Address);
        await CustomerBrowserTests.SignInAsync(page, "bo@example.com", $"/customers/{customerId}");
        await CustomerBrowserTests.Interactive(page);
        await Assertions.Expect(page.Locator("[data-test=value-city]")).ToHaveTextAsync("上海");
        await Assertions.Expect(page.Locator("[data-test=value-phone]")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("body")).Not.ToContainTextAsync("13900139000");
        await Assertions.Expect(page.Locator("body")).Not.ToContainTextAsync("lilac-ledger");
        await Assertions.Expect(page.Locator("body")).Not.ToContainTextAsync("VIP note");
        // Writing to a customer whose address the agent may not see is refused, so the page does not offer it.
        await Assertions.Expect(page.Locator("body")).Not.ToContainTextAsync("wang.fang@example.com");
        await Assertions.Expect(page.Locator("[data-test=emails]")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-test=write-email]")).ToHaveCountAsync(0);

        await page.ClickAsync("[data-test=edit]");
        await Assertions.Expect(CustomerBrowserTests.Field(page, "city")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-test=phone]")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("[data-test=customer-form]")).Not.ToContainTextAsync("VIP note");

        await page.GotoAsync("/customers");
        await CustomerBrowserTests.Interactive(page);
        await Assertions.Expect(page.Locator("[data-test=customer-link]")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("table thead")).ToContainTextAsync("City");
        await Assertions.Expect(page.Locator("table thead")).Not.ToContainTextAsync("Phone");
        await Assertions.Expect(page.Locator("table")).Not.ToContainTextAsync("13900139000");

        // The import wizard: the address column is not importable for the agent, and the rest of the file imports.
        await page.GotoAsync("/imports/new");
        await CustomerBrowserTests.Interactive(page);
        await Kith.Tests.Importing.ImportBrowserTests.ChooseFileAsync(page, new FilePayload
        {
            Name = "people.csv", MimeType = "text/csv", Buffer = System.Text.Encoding.UTF8.GetBytes("name,address\n李雷,西安市雁塔路 1 号\n"),
        });
        await Assertions.Expect(page.Locator("[data-test=step-mapping]")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-test=map-1]")).ToHaveAttributeAsync("data-field", "-");
        await Assertions.Expect(page.Locator("[data-test=read-only-1]")).ToContainTextAsync("Not importable");
        await page.ClickAsync("[data-test=to-preview]");
        await page.ClickAsync("[data-test=start]");
        await Assertions.Expect(page.Locator("[data-test=job-status]")).ToHaveAttributeAsync("data-status", "completed", new() { Timeout = 60_000 });
        // A viewer reads the customer's emails but may not write: no Write email either.
        var viewerPage = await browser.NewPageAsync(host.Address);
        await CustomerBrowserTests.SignInAsync(viewerPage, "cy@example.com", $"/customers/{viewersCustomerId}");
        await CustomerBrowserTests.Interactive(viewerPage);
        await Assertions.Expect(viewerPage.Locator("body")).ToContainTextAsync("zhao.min@example.com");
        await Assertions.Expect(viewerPage.Locator("[data-test=emails]")).ToBeVisibleAsync();
        await Assertions.Expect(viewerPage.Locator("[data-test=write-email]")).ToHaveCountAsync(0);

        await using var db = host.OpenDb();
        Assert.Null(await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.SingleAsync(db.Customers.Where(c => c.Name == "李雷").Select(c => c.Address), ct));
    }
}
