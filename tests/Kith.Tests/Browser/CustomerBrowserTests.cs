using System.Text.RegularExpressions;
using Kith.Core.Companies;
using Kith.Core.Customers;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Playwright;

namespace Kith.Tests.Browser;

/// <summary>
/// The customer pages in a real Chromium against the real host: sign in through the login page, create, find,
/// edit, see the history, switch to Chinese, and the same pages at phone width. Also writes the README screenshots.
/// </summary>
public sealed class CustomerBrowserTests
{
    internal const string Password = "correct horse battery staple";

    [Fact]
    public async Task AnAdminCreatesAChineseNamedCustomerFindsItEditsItAndSeesTheChangeInItsHistory()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var browser = await BrowserSession.StartAsync();
        await using var host = await KithTestHost.StartAsync();
        var adminId = await host.CreateUserAsync("ada@example.com", Role.Admin, Password);
        await SeedAsync(host, adminId, ct);

        var page = await browser.NewPageAsync(host.Address);
        await SignInAsync(page, "ada@example.com", "/customers");
        await Expect(page.Locator("[data-test=customer-link]").First).ToBeVisibleAsync();
        await Expect(page.Locator("[data-test=total]")).ToContainTextAsync("20");

        await page.ClickAsync("[data-test=new-customer]");
        await Interactive(page);
        await Field(page, "name").FillAsync("王小明");
        await Field(page, "email").FillAsync("xiaoming.wang@example.cn");
        await Field(page, "city").FillAsync("上海");
        await page.ClickAsync("[data-test=save]");
        await Expect(page.Locator("[data-test=customer-name]")).ToHaveTextAsync("王小明");
        await Expect(page).ToHaveURLAsync(new Regex(@"/customers/\d+$"));
        var detailUrl = page.Url;

        // Search as you type: part of the name finds exactly that customer.
        await page.GotoAsync("/customers");
        await Interactive(page);
        await Field(page, "search").FillAsync("小明");
        var rows = page.Locator("[data-test=customer-link]");
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(rows.First).ToHaveTextAsync("王小明");
        await rows.First.ClickAsync();
        await Expect(page).ToHaveURLAsync(detailUrl);
        await Expect(page.Locator("[data-test=value-email]")).ToHaveTextAsync("xiaoming.wang@example.cn");
        // Back to the list: it is as the user left it.
        await page.GoBackAsync();
        await Expect(Field(page, "search")).ToHaveValueAsync("小明");
        await Expect(rows).ToHaveCountAsync(1);
        await rows.First.ClickAsync();
        await Expect(page).ToHaveURLAsync(detailUrl);

        await page.ClickAsync("[data-test=edit]");
        await Field(page, "city").FillAsync("杭州");
        await page.ClickAsync("[data-test=save]");
        await Expect(page.Locator("[data-test=value-city]")).ToHaveTextAsync("杭州");
        var cityChange = page.Locator("[data-test=history] tr", new() { HasText = "City" });
        await Expect(cityChange).ToHaveCountAsync(1);
        await Expect(cityChange.Locator("[data-test=history-from]")).ToHaveTextAsync("上海");
        await Expect(cityChange.Locator("[data-test=history-to]")).ToHaveTextAsync("杭州");
        await Expect(page.Locator("[data-test=history] tr", new() { HasText = "Created" })).ToHaveCountAsync(1);
        await page.ReloadAsync();
        await Interactive(page);
        await Expect(page.Locator("[data-test=value-city]")).ToHaveTextAsync("杭州");
        await ScreenshotAsync(page, "customer-detail.png");

        await page.GotoAsync("/customers");
        await Interactive(page);
        await Expect(page.Locator("[data-test=customer-link]")).ToHaveCountAsync(21);
        await ScreenshotAsync(page, "customers-list.png");

        // Switch the whole UI to Chinese from the user menu; the choice is stored on the user (the profile page).
        await page.ClickAsync(".kith-user-button");
        await page.Locator(".mud-popover-open").GetByText("Language: English").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/account/profile"));
        await page.SelectOptionAsync("[data-test=language-select]", "zh-Hans");
        await page.ClickAsync("[data-test=save-profile]");
        await page.GotoAsync("/customers");
        await Interactive(page);
        await Expect(page.Locator("h1")).ToHaveTextAsync("客户");
        await Expect(page.Locator("[data-test=new-customer]")).ToContainTextAsync("新建客户");
        await Expect(page.Locator("[data-test=language]")).ToHaveTextAsync("中文");
        await page.GotoAsync(detailUrl);
        await Interactive(page);
        await Expect(page.Locator("[data-test=edit]")).ToContainTextAsync("编辑");
        await Expect(page.Locator("h2", new() { HasText = "变更记录" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task TheListAndDetailPagesWorkAtPhoneWidth()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var browser = await BrowserSession.StartAsync();
        await using var host = await KithTestHost.StartAsync();
        var adminId = await host.CreateUserAsync("ada@example.com", Role.Admin, Password);
        var ids = await SeedAsync(host, adminId, ct);

        var page = await browser.NewPageAsync(host.Address, width: 375, height: 812);
        await SignInAsync(page, "ada@example.com", "/customers");
        await Expect(page.Locator("[data-test=customer-link]").First).ToBeVisibleAsync();
        await AssertNoSidewaysScrollAsync(page);
        // The drawer is closed on a phone and opens from the menu button.
        await Expect(page.Locator("[data-test=nav]")).Not.ToBeInViewportAsync();
        await page.ClickAsync("[data-test=drawer-toggle]");
        await Expect(page.Locator("[data-test=nav]")).ToBeInViewportAsync();
        await page.Locator("[data-test=nav] a[href='/companies']").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/companies$"));

        await page.GotoAsync($"/customers/{ids[0]}");
        await Interactive(page);
        await Expect(page.Locator("[data-test=customer-name]")).ToBeVisibleAsync();
        await AssertNoSidewaysScrollAsync(page);
        await page.ClickAsync("[data-test=edit]");
        await Expect(page.Locator("[data-test=save]")).ToBeVisibleAsync();
        await AssertNoSidewaysScrollAsync(page);
        await ScreenshotAsync(page, "customer-detail-phone.png");
    }

    [Fact]
    public async Task ACustomerCreatedOnTheNewCustomerPageShowsTheEventsSentBeforeForTheirExternalIdAtOnce()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var browser = await BrowserSession.StartAsync();
        await using var host = await KithTestHost.StartAsync();
        // Without the server's rollup rounds, only the create itself can count the events before the page shows them.
        await host.Services.GetServices<IHostedService>().OfType<Kith.Behavior.BehaviorWorker>().Single().StopAsync(ct);
        var adminId = await host.CreateUserAsync("ada@example.com", Role.Admin, Password);
        var api = await host.ApiClientAsync(adminId);
        var sent = await (await api.PostJsonAsync("/api/v1/events", new object[]
        {
            new { eventId = "w1", customerExternalId = "ERP-7", type = "access", occurredAt = "2026-01-05T10:00:00Z" },
            new { eventId = "w2", customerExternalId = "ERP-7", type = "access", occurredAt = "2026-01-06T10:00:00Z" },
        })).JsonAsync();
        Assert.Equal(2, sent.GetProperty("pending").GetInt32());

        var page = await browser.NewPageAsync(host.Address);
        await SignInAsync(page, "ada@example.com", "/customers/new");
        await Field(page, "name").FillAsync("Later");
        await Field(page, "external-id").FillAsync("ERP-7");
        await page.ClickAsync("[data-test=save]");
        await Expect(page.Locator("[data-test=customer-name]")).ToHaveTextAsync("Later");
        await Expect(page.Locator("[data-test=behavior-types] tbody tr")).ToContainTextAsync("2");
        await Expect(page.Locator("[data-test=behavior]")).Not.ToContainTextAsync("No events yet.");
    }

    internal static async Task SignInAsync(IPage page, string email, string path)
    {
        await page.GotoAsync(path);
        await Expect(page).ToHaveURLAsync(new Regex("/account/login"));
        await page.FillAsync("input[name='Input.Email']", email);
        await page.FillAsync("input[name='Input.Password']", Password);
        await page.ClickAsync("[data-test=sign-in]");
        await Expect(page).ToHaveURLAsync(new Regex(Regex.Escape(path) + "$"));
        await Interactive(page);
    }

    /// <summary>Waits until the circuit is connected; before that the page is prerendered HTML that ignores clicks.</summary>
    internal static Task Interactive(IPage page) =>
        Expect(page.Locator("[data-interactive]")).ToHaveCountAsync(1);

    /// <summary>A MudBlazor text input: the data-test attribute lands on the input element itself.</summary>
    internal static ILocator Field(IPage page, string name) =>
        page.Locator($"input[data-test={name}], textarea[data-test={name}], [data-test={name}] input, [data-test={name}] textarea").First;

    /// <summary>Opens the MudSelect whose label is <paramref name="label"/> and picks <paramref name="option"/>.</summary>
    internal static async Task ChooseAsync(IPage page, string label, string option, ILocator? within = null)
    {
        var select = (within ?? page.Locator("body")).Locator($"[role=combobox][aria-label=\"{label}\"]").First;
        await select.ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasText = option }).First.ClickAsync();
        // The choice travels to the server before the select shows it; a click on Save before that would lose it.
        await Assertions.Expect(select).ToHaveTextAsync(option);
    }

    private static async Task AssertNoSidewaysScrollAsync(IPage page)
    {
        var widths = await page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]");
        var (scroll, client) = (widths[0], widths[1]);
        Assert.True(scroll <= client + 1, $"The page scrolls sideways: {scroll}px of content in {client}px.");
    }

    internal static async Task ScreenshotAsync(IPage page, string name)
    {
        var folder = Path.Combine(RepositoryRoot(), "docs", "screenshots");
        Directory.CreateDirectory(folder);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, name), FullPage = true });
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Kith.slnx"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Kith.slnx not found above " + AppContext.BaseDirectory);
    }

    private static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);

    private static IPageAssertions Expect(IPage page) => Assertions.Expect(page);

    /// <summary>Twenty customers with Chinese and Latin names in three companies, created through the Core handlers.</summary>
    internal static async Task<List<long>> SeedAsync(KithTestHost host, long ownerId, CancellationToken ct)
    {
        string[] names =
        [
            "李娜", "张伟", "Emma Schmidt", "陈静", "Lucas Martin", "刘洋", "Sofia Rossi", "杨帆", "Noah Müller", "赵敏",
            "Olivia Brown", "黄磊", "Mateo García", "周婷", "Chloé Dubois", "吴强", "Hannah Weber", "徐丽", "James Wilson", "孙悦",
        ];
        string[] cities = ["北京", "上海", "深圳", "Berlin", "Paris", "广州", "Milano", "成都", "München", "杭州"];
        string[] companies = ["星河科技", "Nordlicht GmbH", "Atelier Lumière"];
        var stages = Enum.GetValues<LifecycleStage>();
        await using var scope = host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KithDb>();
        var access = await AccessScope.ForUserAsync(db, ownerId, ct) ?? throw new InvalidOperationException("No such user.");
        var companyIds = new List<long>();
        foreach (var company in companies)
        {
            var created = await scope.ServiceProvider.GetRequiredService<CreateCompany>()
                .HandleAsync(new CompanyInput { Name = company, City = cities[companyIds.Count] }, access, ActorKind.User, ct);
            companyIds.Add(created.Id);
        }
        var ids = new List<long>();
        for (var i = 0; i < names.Length; i++)
        {
            var latin = names[i].Any(char.IsAsciiLetter);
            var input = new CustomerInput
            {
                Name = names[i],
                Email = $"customer{i + 1}@example.{(latin ? "eu" : "cn")}",
                Phone = latin ? null : $"+86 138 0013 {8000 + i}",
                City = cities[i % cities.Length],
                CompanyId = companyIds[i % companyIds.Count],
                Stage = stages[i % stages.Length],
                Tags = i % 3 == 0 ? ["vip"] : [],
                Source = i % 2 == 0 ? "website" : "referral",
            };
            var created = await scope.ServiceProvider.GetRequiredService<CreateCustomer>().HandleAsync(input, access, ActorKind.User, ct);
            ids.Add(created.Id);
        }
        return ids;
    }
}
