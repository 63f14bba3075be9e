using System.Net;
using System.Net.Http.Json;
using Kith.Core.Behavior;
using Kith.Core.Customers;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Core.Purchases;
using Kith.Tests.Browser;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Kith.Tests.Predictions;

/// <summary>Predictions through the API and in a real Chromium: train, read the evaluation, see a customer's risk and reasons.</summary>
public sealed class PredictionsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A churn risk of 0.83 as a page shows it ("83%", or "83 %" in some cultures).</summary>
    private const string Risk = @"\b83\s?%";

    /// <summary>160 customers, half visiting and ordering to the end of the history, half gone quiet before its last 90 days.</summary>
    private static async Task<(long Loyal, long Gone)> SeedAsync(KithTestHost host, long ownerId)
    {
        await using var scope = host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KithDb>();
        var access = await AccessScope.ForUserAsync(db, ownerId, Ct) ?? throw new InvalidOperationException();
        var create = scope.ServiceProvider.GetRequiredService<CreateCustomer>();
        var end = DateTime.UtcNow.AddDays(-1);
        var rng = new Random(3);
        long loyal = 0, gone = 0;
        for (var i = 0; i < 160; i++)
        {
            var isLoyal = i % 2 == 0;
            var id = (await create.HandleAsync(new CustomerInput { Name = (isLoyal ? "Loyal " : "Gone ") + i }, access, ActorKind.User, Ct)).Id;
            if (i == 0) loyal = id;
            if (i == 1) gone = id;
            var stop = isLoyal ? end : end.AddDays(-100 - rng.Next(40));
            for (var day = end.AddDays(-300 + rng.NextDouble() * 4); day < stop; day = day.AddDays(isLoyal ? 3 + rng.NextDouble() * 3 : 5 + rng.NextDouble() * 9))
            {
                db.BehaviorEvents.Add(new BehaviorEvent { CustomerId = id, Type = "access", OccurredAt = day, Page = "/" });
                if (rng.NextDouble() < 0.3) db.Purchases.Add(new Purchase { CustomerId = id, OrderedAt = day, Product = "p", AmountMicros = 25 * Purchase.MicrosPerUnit, CreatedAt = day });
            }
        }
        await db.SaveChangesAsync(Ct);
        return (loyal, gone);
    }

    [Fact]
    public async Task AScoreWithoutANoticeableReasonSaysSoInsteadOfAnEmptyWhy()
    {
        await using var host = await KithTestHost.StartAsync();
        var adminId = await host.CreateUserAsync("ada@example.com", Role.Admin);
        var ann = await host.CreateCustomerAsync(adminId, new CustomerInput { Name = "Ann" });
        await using (var db = host.OpenDb())
        {
            db.CustomerScores.Add(new Kith.Core.Predictions.CustomerScore { CustomerId = ann, ChurnRisk = 0.38, Reasons = "[]", ComputedAt = DateTime.UtcNow });
            await db.SaveChangesAsync(Ct);
        }
        var browser = await Kith.Tests.Identity.CookieSessions.SignedInClientAsync(host, "ada@example.com");

        Assert.Contains("No single reason stands out", WebUtility.HtmlDecode(await browser.GetStringAsync("/predictions", Ct)));
        Assert.Contains("No single reason stands out", WebUtility.HtmlDecode(await browser.GetStringAsync($"/customers/{ann}", Ct)));
    }

    [Fact]
    public async Task TheApiTrainsForManagersOnlyAndAnswersEvaluationAtRiskAndEachCustomersScore()
    {
        await using var host = await KithTestHost.StartAsync();
        var (managerId, manager) = await host.UserWithClientAsync(Role.Manager);
        var (_, agent) = await host.UserWithClientAsync(Role.Agent);
        var (loyal, gone) = await SeedAsync(host, managerId);

        Assert.Equal(HttpStatusCode.NoContent, (await manager.GetAsync($"/api/v1/customers/{gone}/predictions", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await agent.PostAsync("/api/v1/predictions/train", null, Ct)).StatusCode);
        var run = await (await manager.PostAsync("/api/v1/predictions/train", null, Ct)).JsonAsync();
        Assert.Equal(160, run.GetProperty("scored").GetInt32());
        Assert.True(run.GetProperty("churn").GetProperty("metric").GetDouble() > 0.8);

        var models = await (await manager.GetAsync("/api/v1/predictions/models", Ct)).JsonAsync();
        Assert.Equal(["churn", "value"], models.EnumerateArray().Select(m => m.GetProperty("kind").GetString()).ToArray());
        Assert.Equal("auc", models[0].GetProperty("metricName").GetString());

        var score = await (await manager.GetAsync($"/api/v1/customers/{gone}/predictions", Ct)).JsonAsync();
        Assert.True(score.GetProperty("churnRisk").GetDouble() > 0.5);
        Assert.NotEqual(0, score.GetProperty("reasonTexts").GetArrayLength());
        var atRisk = await (await manager.GetAsync("/api/v1/predictions/at-risk?limit=5", Ct)).JsonAsync();
        Assert.Equal(5, atRisk.GetArrayLength());
        Assert.StartsWith("Gone", atRisk[0].GetProperty("name").GetString());

        // The agent owns none of these customers: they are out of reach on every path.
        Assert.Equal(HttpStatusCode.NotFound, (await agent.GetAsync($"/api/v1/customers/{loyal}/predictions", Ct)).StatusCode);
        Assert.Equal(0, (await (await agent.GetAsync("/api/v1/predictions/at-risk", Ct)).JsonAsync()).GetArrayLength());
        Assert.Equal(HttpStatusCode.BadRequest, (await agent.GetAsync("/api/v1/predictions/at-risk?limit=0", Ct)).StatusCode);
        var filtered = await (await manager.GetAsync("/api/v1/customers?limit=1000&filter=" + Uri.EscapeDataString("churnRisk ge 0.5"), Ct)).JsonAsync();
        Assert.All(filtered.GetProperty("items").EnumerateArray(), c => Assert.StartsWith("Gone", c.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task AManagerTrainsFromThePageAndSeesTheEvaluationAndACustomersReasons()
    {
        await using var browser = await BrowserSession.StartAsync();
        await using var host = await KithTestHost.StartAsync();
        var managerId = await host.CreateUserAsync("max@example.com", Role.Manager, CustomerBrowserTests.Password);
        var (_, gone) = await SeedAsync(host, managerId);

        var page = await browser.NewPageAsync(host.Address);
        await CustomerBrowserTests.SignInAsync(page, "max@example.com", "/predictions");
        await CustomerBrowserTests.Interactive(page);
        await Assertions.Expect(page.Locator("[data-test=model-churn]")).ToContainTextAsync("Not trained yet.");
        await page.ClickAsync("[data-test=train]");
        await Assertions.Expect(page.Locator("[data-test=model-churn] [data-test=model-metric]")).ToContainTextAsync("AUC", new() { Timeout = 60_000 });
        await Assertions.Expect(page.Locator("[data-test=model-value] [data-test=model-metric]")).ToContainTextAsync("Off by");
        await Assertions.Expect(page.Locator("[data-test=at-risk] [data-test=risk]").First).ToBeVisibleAsync();
        await CustomerBrowserTests.ScreenshotAsync(page, "predictions.png");

        await page.GotoAsync($"/customers/{gone}");
        await CustomerBrowserTests.Interactive(page);
        await Assertions.Expect(page.Locator("[data-test=churn-risk]")).ToContainTextAsync("%");
        await Assertions.Expect(page.Locator("[data-test=churn-reasons]")).ToContainTextAsync("Why:");
    }
    [Fact]
    public async Task TheCustomerListShowsChurnRiskAsAColumnSortedByClickingItsHeaderInEnglishAndChinese()
    {
        await using var browser = await BrowserSession.StartAsync();
        await using var host = await KithTestHost.StartAsync();
        var adminId = await host.CreateUserAsync("ada@example.com", Role.Admin, CustomerBrowserTests.Password);
        var ann = await host.CreateCustomerAsync(adminId, new CustomerInput { Name = "Ann" });
        var bo = await host.CreateCustomerAsync(adminId, new CustomerInput { Name = "Bo" });
        await host.CreateCustomerAsync(adminId, new CustomerInput { Name = "Cy" });
        await using (var db = host.OpenDb())
        {
            db.CustomerScores.AddRange(
                new Kith.Core.Predictions.CustomerScore { CustomerId = ann, ChurnRisk = 0.2, ExpectedValueMicros = 5_000_000, ComputedAt = DateTime.UtcNow },
                new Kith.Core.Predictions.CustomerScore { CustomerId = bo, ChurnRisk = 0.8, ComputedAt = DateTime.UtcNow });
            await db.SaveChangesAsync(Ct);
        }

        var page = await browser.NewPageAsync(host.Address);
        await CustomerBrowserTests.SignInAsync(page, "ada@example.com", "/customers");
        await page.Locator("[data-test=columns-menu] button").First.ClickAsync();
        await page.Locator(".mud-popover-open label", new() { HasText = "Churn risk" }).ClickAsync();
        await page.Keyboard.PressAsync("Escape");
        var rows = page.Locator("[data-test=customer-table] tbody tr");
        await page.ClickAsync("[data-test=sort-churnRisk]");
        await Assertions.Expect(rows.First).ToContainTextAsync("Ann");
        await Assertions.Expect(rows.First).ToContainTextAsync("20%");
        await page.ClickAsync("[data-test=sort-churnRisk]");
        await Assertions.Expect(rows.First).ToContainTextAsync("Bo");
        await Assertions.Expect(rows.First).ToContainTextAsync("80%");
        await Assertions.Expect(rows.Last).ToContainTextAsync("Cy");

        await using (var db = host.OpenDb())
        {
            await db.Users.Where(u => u.Id == adminId).ExecuteUpdateAsync(u => u.SetProperty(x => x.Language, "zh-Hans"), Ct);
        }
        // The language is read at sign-in.
        var chinese = await browser.NewPageAsync(host.Address);
        await CustomerBrowserTests.SignInAsync(chinese, "ada@example.com", "/customers");
        await chinese.Locator("[data-test=columns-menu] button").First.ClickAsync();
        await chinese.Locator(".mud-popover-open label", new() { HasText = "预期价值" }).ClickAsync();
        await chinese.Keyboard.PressAsync("Escape");
        await chinese.ClickAsync("[data-test=sort-expectedValue]");
        await Assertions.Expect(chinese.Locator("[data-test=sort-expectedValue]")).ToContainTextAsync("预期价值");
        await Assertions.Expect(chinese.Locator("[data-test=customer-table] tbody tr").First).ToContainTextAsync("Ann");
    }
    [Theory]
    [ClassData(typeof(Providers))]
    public async Task ARoleThatCannotSeeBehaviourIsRefusedTheScoresInTheApiAndDoesNotSeeThemOnThePages(DatabaseProvider provider)
    {
        await using var host = await KithTestHost.StartAsync(provider);
        var (_, admin) = await host.UserWithClientAsync(Role.Admin, "ada@example.com");
        var (agentId, agent) = await host.UserWithClientAsync(Role.Agent, "agnes@example.com");
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync("/api/v1/roles/agent/fields",
            new[] { new { entity = "customer", field = "behavior", restriction = "hidden" } }, KithTestHost.Json, Ct)).StatusCode);
        var ann = await host.CreateCustomerAsync(agentId, new CustomerInput { Name = "Ann" });
        await using (var db = host.OpenDb())
        {
            db.CustomerScores.Add(new Kith.Core.Predictions.CustomerScore
            {
                CustomerId = ann, ChurnRisk = 0.83, ExpectedValueMicros = 41_500_000, ComputedAt = DateTime.UtcNow,
                Reasons = System.Text.Json.JsonSerializer.Serialize(new[] { new Kith.Core.Predictions.ScoreReason("no_activity", 45, 0) }),
            });
            await db.SaveChangesAsync(Ct);
        }

        // The agent reaches Ann, but her scores are behaviour: a 403 that says so, on both paths, not the numbers.
        foreach (var path in new[] { $"/api/v1/customers/{ann}/predictions", "/api/v1/predictions/at-risk" })
        {
            var refused = await agent.GetAsync(path, Ct);
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            var problem = await refused.JsonAsync();
            Assert.Contains("behaviour", problem.GetProperty("detail").GetString());
            Assert.DoesNotContain("0.83", problem.ToString());
        }
        // The models' evaluation is about the whole business, like the behaviour analytics: still open.
        Assert.Equal(HttpStatusCode.OK, (await agent.GetAsync("/api/v1/predictions/models", Ct)).StatusCode);
        // The admin sees them.
        var adminScore = await (await admin.GetAsync($"/api/v1/customers/{ann}/predictions", Ct)).JsonAsync();
        Assert.Equal((0.83, 1), (adminScore.GetProperty("churnRisk").GetDouble(), adminScore.GetProperty("reasonTexts").GetArrayLength()));
        Assert.Equal(0.83, (await (await admin.GetAsync("/api/v1/predictions/at-risk", Ct)).JsonAsync())[0].GetProperty("churnRisk").GetDouble());

        // The pages as the agent's browser gets them: no risk, no value, no link to a filter the agent may not use.
        var browser = await Kith.Tests.Identity.CookieSessions.SignedInClientAsync(host, "agnes@example.com");
        var predictions = WebUtility.HtmlDecode(await browser.GetStringAsync("/predictions", Ct));
        Assert.Contains("data-test=\"scores-hidden\"", predictions);
        Assert.DoesNotMatch(Risk, predictions);
        Assert.DoesNotContain("churnRisk", predictions);
        var customer = WebUtility.HtmlDecode(await browser.GetStringAsync($"/customers/{ann}", Ct));
        Assert.Contains("Ann", customer);
        Assert.DoesNotContain("customer-prediction", customer);
        Assert.DoesNotMatch(Risk, customer);
        // The admin's pages show them.
        var adminBrowser = await Kith.Tests.Identity.CookieSessions.SignedInClientAsync(host, "ada@example.com");
        Assert.Matches(Risk, WebUtility.HtmlDecode(await adminBrowser.GetStringAsync($"/customers/{ann}", Ct)));
        Assert.Matches(Risk, WebUtility.HtmlDecode(await adminBrowser.GetStringAsync("/predictions", Ct)));
    }
}
