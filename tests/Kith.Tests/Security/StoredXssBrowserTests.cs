using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Kith.Core.Identity;
using Kith.Tests.Browser;
using Kith.Tests.Importing;
using Kith.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Kith.Tests.Security;

/// <summary>
/// Stored XSS, checked in a real browser: classic payloads stored through the API in every free-text field a user
/// sees rendered, then every page that shows them opened. No payload runs (no script sets window.__xss, no dialog
/// opens, no element of a payload is in the page) and each is shown as the text that was typed.
/// </summary>
public sealed class StoredXssBrowserTests
{
    private const string Img = "<img src=x onerror=window.__xss=1>";
    private const string Script = "<script>window.__xss=1</script>";
    private const string Svg = "\"><svg onload=window.__xss=1>";

    /// <summary>Whether anything of a payload became markup or ran: the element, a handler, a script, a javascript: link.</summary>
    private const string Ran = """
        () => window.__xss !== undefined
            || document.querySelectorAll('svg[onload], [onerror], [onload], [onmouseover], a[href^="javascript:" i]').length > 0
            || [...document.scripts].some(s => s.textContent.includes('__xss'))
        """;

    [Fact]
    public async Task PayloadsStoredInEveryTextFieldAreShownAsTextAndNeverRunOnAnyPage()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var browser = await BrowserSession.StartAsync();
        await using var host = await KithTestHost.StartAsync();
        var adminId = await host.CreateUserAsync("ada@example.com", Role.Admin, CustomerBrowserTests.Password);
        var api = await host.ApiClientAsync(adminId);

        async Task<long> CreateAsync(string url, object body)
        {
            var response = await api.PostJsonAsync(url, body);
            Assert.True(response.IsSuccessStatusCode, $"{url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
            return (await response.JsonAsync()).GetProperty("id").GetInt64();
        }

        await CreateAsync("/api/v1/custom-fields", new { entity = "customer", key = "note", label = "Note " + Img, type = "text" });
        var company = await CreateAsync("/api/v1/companies", new { name = "Acme " + Img, city = Svg });
        var customer = await CreateAsync("/api/v1/customers", new
        {
            name = "Li " + Script, city = Img, address = Svg, source = Script, companyId = company, tags = new[] { "vip" + Img },
            customFields = new Dictionary<string, object> { ["note"] = Svg },
        });
        await CreateAsync("/api/v1/communications", new { customerId = customer, channel = "phone", subject = Svg, content = "Said " + Img });
        await CreateAsync("/api/v1/communications", new
        {
            customerId = customer, channel = "email", subject = "Rich", contentFormat = "html",
            content = $"<p>Rich {Img}</p>{Script}<a href=\"javascript:window.__xss=1\">click me</a><div onmouseover=\"window.__xss=1\">hover</div>",
        });
        var caseId = await CreateAsync("/api/v1/cases", new { subject = "Case " + Svg, customerId = customer });
        // A reminder that is due pops up on every page, with the task's title.
        var now = DateTimeOffset.UtcNow;
        await CreateAsync("/api/v1/tasks", new { title = "Task " + Img, notes = Script, customerId = customer, dueAt = now.AddHours(1), remindAt = now.AddMinutes(-5) });
        await CreateAsync("/api/v1/feedback", new { customerId = customer, kind = "csat", score = 2, comment = "Bad " + Svg });
        await CreateAsync("/api/v1/saved-views", new { entity = "customer", name = "View " + Img, filter = "stage eq lead" });
        await CreateAsync("/api/v1/segments", new { name = "Segment " + Svg, key = "xss-segment", filter = "stage eq lead" });
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes("name,city\n\"Zhao " + Svg.Replace("\"", "\"\"") + "\",Wuhan\n"));
        file.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        var import = await api.PostAsync("/api/v1/imports/customers?fileName=" + Uri.EscapeDataString(Img + ".csv"), file, ct);
        Assert.Equal(HttpStatusCode.Accepted, import.StatusCode);
        var job = await ImportsApiTests.FinishedAsync(api, import.Headers.Location!.OriginalString);
        Assert.Equal("completed", job.GetProperty("status").GetString());

        var page = await browser.NewPageAsync(host.Address);
        var dialogs = new List<string>();
        page.Dialog += (_, d) =>
        {
            dialogs.Add(d.Message);
            _ = d.DismissAsync();
        };
        await CustomerBrowserTests.SignInAsync(page, "ada@example.com", "/");
        var failures = new List<string>();

        // Each page, and texts it must show as typed.
        var pages = new (string Path, string[] Texts)[]
        {
            ("/", ["Reminder: Task " + Img]),
            ("/customers", ["Li " + Script, "Zhao " + Svg]),
            ($"/customers/{customer}", ["Li " + Script, "vip" + Img, Img, Svg, "Said " + Img, "Case " + Svg, "Task " + Img, "Bad " + Svg, "Note " + Img]),
            ($"/companies/{company}", ["Acme " + Img, Svg, "Li " + Script]),
            ("/companies", ["Acme " + Img]),
            ("/cases", ["Case " + Svg, "Li " + Script]),
            ($"/cases/{caseId}", ["Case " + Svg, "Li " + Script]),
            ("/my-day", ["Task " + Img]),
            ("/segments", ["Segment " + Svg]),
            ("/imports", [Img + ".csv"]),
            ($"/imports/{job.GetProperty("id").GetInt64()}", [Img + ".csv"]),
        };
        foreach (var (path, texts) in pages)
        {
            await page.GotoAsync(path);
            await CustomerBrowserTests.Interactive(page);
            foreach (var text in texts)
            {
                try { await Assertions.Expect(page.Locator("body")).ToContainTextAsync(text, new() { Timeout = 10_000 }); }
                catch (PlaywrightException) { failures.Add($"{path}: '{text}' is not shown as text"); }
            }
            if (await page.EvaluateAsync<bool>(Ran)) failures.Add($"{path}: a payload became markup or ran");
        }

        // Search as you type: the list narrows to the customer, whose name stays text.
        await page.GotoAsync("/customers");
        await CustomerBrowserTests.Interactive(page);
        await CustomerBrowserTests.Field(page, "search").FillAsync("<script>");
        await Assertions.Expect(page.Locator("[data-test=customer-link]")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("[data-test=customer-link]")).ToHaveTextAsync("Li " + Script);
        await page.ClickAsync("[data-test=views-menu]");
        await Assertions.Expect(page.Locator("[data-test=view-item]")).ToHaveTextAsync("View " + Img);
        if (await page.EvaluateAsync<bool>(Ran)) failures.Add("search and views: a payload became markup or ran");

        // Feedback results per customer name the customer.
        await page.GotoAsync("/feedback");
        await CustomerBrowserTests.Interactive(page);
        await CustomerBrowserTests.ChooseAsync(page, "Per", "Customer");
        await Assertions.Expect(page.Locator("body")).ToContainTextAsync("Li " + Script);
        if (await page.EvaluateAsync<bool>(Ran)) failures.Add("feedback: a payload became markup or ran");

        // The rich-text email keeps its formatting and text but loses the script, the handler and the javascript: link.
        await page.GotoAsync($"/customers/{customer}");
        await CustomerBrowserTests.Interactive(page);
        var rich = page.Locator(".kith-rich-text");
        await Assertions.Expect(rich).ToContainTextAsync("Rich");
        await rich.GetByText("click me").ClickAsync();
        await rich.GetByText("hover").HoverAsync();
        Assert.Equal(0, await rich.Locator("script").CountAsync());
        if (await page.EvaluateAsync<bool>(Ran)) failures.Add("rich text: a payload became markup or ran");

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.Empty(dialogs);
    }
}
