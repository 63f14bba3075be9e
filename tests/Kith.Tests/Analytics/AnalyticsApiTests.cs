using System.Net;
using System.Text.Json;
using Kith.Core.Behavior;
using Kith.Core.Customers;
using Kith.Core.Identity;
using Kith.Core.Purchases;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Tests.Analytics;

public sealed class AnalyticsApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static DateTime At(int month, int day) => new(2026, month, day, 12, 0, 0, DateTimeKind.Utc);

    /// <summary>Ann (the agent's) visited /pricing, liked and bought Tea; Bo (the admin's) visited "=cmd()" and bought a Kettle.</summary>
    private static async Task SeedAsync(KithTestHost host, long agentId, long adminId)
    {
        await using var db = host.OpenDb();
        var ann = new Customer { Name = "Ann", OwnerId = agentId, SignupDate = new DateOnly(2026, 1, 5), CreatedAt = At(1, 5), UpdatedAt = At(1, 5) };
        var bo = new Customer { Name = "Bo", OwnerId = adminId, SignupDate = new DateOnly(2026, 1, 9), CreatedAt = At(1, 9), UpdatedAt = At(1, 9) };
        db.Customers.AddRange(ann, bo);
        await db.SaveChangesAsync(Ct);
        db.BehaviorEvents.AddRange(
            new BehaviorEvent { EventId = "1", CustomerId = ann.Id, Type = "access", OccurredAt = At(1, 6), Page = "/pricing" },
            new BehaviorEvent { EventId = "2", CustomerId = ann.Id, Type = "like", OccurredAt = At(1, 7) },
            new BehaviorEvent { EventId = "3", CustomerId = ann.Id, Type = "purchase", OccurredAt = At(1, 8) },
            new BehaviorEvent { EventId = "4", CustomerId = bo.Id, Type = "access", OccurredAt = At(2, 1), Page = "=cmd()" });
        db.Purchases.AddRange(
            new Purchase { CustomerId = ann.Id, OrderedAt = At(1, 8), Product = "Tea", AmountMicros = 10_000_000, CreatedAt = At(1, 8) },
            new Purchase { CustomerId = bo.Id, OrderedAt = At(2, 2), Product = "Kettle", AmountMicros = 80_000_000, CreatedAt = At(2, 2) });
        await db.SaveChangesAsync(Ct);
    }

    private static async Task<JsonElement> ProblemAsync(HttpClient client, string url, string field)
    {
        var response = await client.GetAsync(url, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.JsonAsync();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{url} should name {field}: {problem}");
        return problem;
    }

    [Fact]
    public async Task EachAnalysisAnswersWithinTheCallersReach()
    {
        await using var host = await KithTestHost.StartAsync();
        var (adminId, admin) = await host.UserWithClientAsync(Role.Admin);
        var (agentId, agent) = await host.UserWithClientAsync(Role.Agent);
        await SeedAsync(host, agentId, adminId);
        const string period = "from=2026-01-01&to=2026-03-31";

        var funnel = await (await agent.GetAsync($"/api/v1/analytics/funnel?steps=access,like,purchase&windowDays=7&{period}", Ct)).JsonAsync();
        Assert.Equal(new long[] { 1, 1, 1 }, funnel.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("customers").GetInt64()));
        var all = await (await admin.GetAsync($"/api/v1/analytics/funnel?steps=access,like&{period}", Ct)).JsonAsync();
        Assert.Equal(new[] { 2L, 1L }, all.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("customers").GetInt64()));

        var top = await (await agent.GetAsync($"/api/v1/analytics/top?kind=products&{period}", Ct)).JsonAsync();
        Assert.Equal("Tea", Assert.Single(top.GetProperty("items").EnumerateArray()).GetProperty("name").GetString());
        var trends = await (await admin.GetAsync($"/api/v1/analytics/trends?metric=events&interval=month&{period}", Ct)).JsonAsync();
        Assert.Equal(3, trends.GetProperty("buckets").GetArrayLength());
        var heatmap = await (await agent.GetAsync($"/api/v1/analytics/heatmap?{period}", Ct)).JsonAsync();
        Assert.Equal("UTC", heatmap.GetProperty("timeZone").GetString());
        Assert.Equal(3, heatmap.GetProperty("counts").EnumerateArray().Sum(d => d.EnumerateArray().Sum(h => h.GetInt64())));
        var cohorts = await (await agent.GetAsync($"/api/v1/analytics/cohorts?by=signup&{period}", Ct)).JsonAsync();
        var january = Assert.Single(cohorts.GetProperty("cohorts").EnumerateArray());
        Assert.Equal(("2026-01", 1L), (january.GetProperty("month").GetString(), january.GetProperty("customers").GetInt64()));
        var dashboard = await (await agent.GetAsync($"/api/v1/analytics/dashboard?team=sales&{period}", Ct)).JsonAsync();
        Assert.Equal(10m, dashboard.GetProperty("revenue").GetDecimal());
    }

    [Fact]
    public async Task RfmIsRecomputedByAnAdministratorAndReadByEveryoneWithinReach()
    {
        await using var host = await KithTestHost.StartAsync();
        var (adminId, admin) = await host.UserWithClientAsync(Role.Admin);
        var (agentId, agent) = await host.UserWithClientAsync(Role.Agent);
        await SeedAsync(host, agentId, adminId);

        var refused = await agent.PostAsync("/api/v1/analytics/rfm/recompute?from=2026-01-01&to=2026-03-31", null, Ct);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        var done = await (await admin.PostAsync("/api/v1/analytics/rfm/recompute?from=2026-01-01&to=2026-03-31", null, Ct)).JsonAsync();
        Assert.Equal(2, done.GetProperty("customers").GetInt64());
        var mine = await (await agent.GetAsync("/api/v1/analytics/rfm", Ct)).JsonAsync();
        Assert.True(mine.GetProperty("stored").GetBoolean());
        Assert.Equal(1, mine.GetProperty("customers").GetInt64());
        var rows = await (await agent.GetAsync("/api/v1/analytics/rfm/customers", Ct)).JsonAsync();
        Assert.Equal("Ann", Assert.Single(rows.EnumerateArray()).GetProperty("name").GetString());
        var csv = await (await admin.GetAsync("/api/v1/analytics/rfm/customers?format=csv", Ct)).Content.ReadAsStringAsync(Ct);
        Assert.StartsWith("\uFEFFcustomer_id,external_id,name,r,f,m,segment", csv);
    }

    [Fact]
    public async Task CsvDownloadsNeutraliseFormulasAndTheBrowserGetsThemWithItsCookie()
    {
        await using var host = await KithTestHost.StartAsync();
        var (adminId, admin) = await host.UserWithClientAsync(Role.Admin);
        await SeedAsync(host, adminId, adminId);
        var response = await admin.GetAsync("/api/v1/analytics/top?kind=pages&from=2026-01-01&to=2026-03-31&format=csv", Ct);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.Contains("'=cmd()", text);
        Assert.Contains("/pricing,1,1", text);
        var anonymous = await host.AnonymousClient().GetAsync("/analytics/export/top?kind=pages&format=csv", Ct);
        Assert.NotEqual(HttpStatusCode.OK, anonymous.StatusCode);
    }

    /// <summary>A downloaded workbook's first sheet, each row's cells in column order, as MiniExcel (the importer's reader) reads them.</summary>
    internal static async Task<List<object?[]>> XlsxAsync(HttpResponseMessage response)
    {
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", response.Content.Headers.ContentType?.MediaType);
        using var stream = new MemoryStream(await response.Content.ReadAsByteArrayAsync(Ct));
        return MiniExcelLibs.MiniExcel.Query(stream, useHeaderRow: false, excelType: MiniExcelLibs.ExcelType.XLSX)
            .Cast<IDictionary<string, object?>>().Select(r => r.Values.ToArray()).ToList();
    }

    [Fact]
    public async Task XlsxDownloadsWriteNumbersAsNumbersKeepHeadersAndNamesAsTextAndNeutraliseFormulas()
    {
        await using var host = await KithTestHost.StartAsync();
        var (adminId, admin) = await host.UserWithClientAsync(Role.Admin);
        await SeedAsync(host, adminId, adminId);

        var pagesResponse = await admin.GetAsync("/api/v1/analytics/top?kind=pages&from=2026-01-01&to=2026-03-31&format=xlsx", Ct);
        Assert.Equal("top-pages.xlsx", pagesResponse.Content.Headers.ContentDisposition?.FileNameStar ?? pagesResponse.Content.Headers.ContentDisposition?.FileName);
        var pages = await XlsxAsync(pagesResponse);
        Assert.Equal(["page", "views", "visitors"], pages[0]);
        var cmd = Assert.Single(pages, r => Equals(r[0], "'=cmd()"));
        // A page named like a formula is text with its apostrophe; its counts are numeric cells, not text.
        Assert.Equal(1.0, Assert.IsType<double>(cmd[1]));
        Assert.Equal(1.0, Assert.IsType<double>(cmd[2]));
        Assert.Contains(pages, r => Equals(r[0], "/pricing"));

        var products = await XlsxAsync(await admin.GetAsync("/api/v1/analytics/top?kind=products&from=2026-01-01&to=2026-03-31&format=xlsx", Ct));
        Assert.Equal(["product", "order_lines", "customers", "quantity", "revenue"], products[0]);
        Assert.Equal(80.0, Assert.IsType<double>(Assert.Single(products, r => Equals(r[0], "Kettle"))[4]));

        // The heatmap's hour headers look like numbers ("00"…"23") and stay text; its counts are numbers.
        var heatmap = await XlsxAsync(await admin.GetAsync("/api/v1/analytics/heatmap?from=2026-01-01&to=2026-03-31&format=xlsx", Ct));
        Assert.Equal("00", heatmap[0][1]);
        Assert.Equal("Monday", heatmap[1][0]);
        Assert.All(heatmap.Skip(1).SelectMany(r => r.Skip(1)), c => Assert.IsType<double>(c));
        Assert.Equal(4.0, heatmap.Skip(1).SelectMany(r => r.Skip(1)).Sum(c => (double)c!));

        // The same workbook reaches the browser's download menu with the sign-in cookie, and the feedback summary has one too.
        var feedback = await XlsxAsync(await admin.GetAsync("/api/v1/feedback/summary?from=2026-01-01&to=2026-03-31&format=xlsx", Ct));
        Assert.Equal("csat_count", feedback[0][2]);
        Assert.Equal(0.0, Assert.IsType<double>(feedback[^1][2]));

        // bom=false, as the list exports name it, leaves the byte order mark out of a CSV.
        var plain = await admin.GetAsync("/api/v1/analytics/top?kind=pages&from=2026-01-01&to=2026-03-31&format=csv&bom=false", Ct);
        Assert.Equal((byte)'p', (await plain.Content.ReadAsByteArrayAsync(Ct))[0]);
    }

    [Fact]
    public async Task AMalformedFormatOrBomIsA400NamingItOnEveryAnalysis()
    {
        await using var host = await KithTestHost.StartAsync();
        var (_, client) = await host.UserWithClientAsync(Role.Admin);
        foreach (var url in new[] { "/api/v1/analytics/rfm", "/api/v1/analytics/rfm/customers", "/api/v1/analytics/cohorts", "/api/v1/analytics/funnel",
                     "/api/v1/analytics/trends", "/api/v1/analytics/top", "/api/v1/analytics/heatmap", "/api/v1/feedback/summary" })
        {
            var problem = await ProblemAsync(client, url + "?format=pdf", "format");
            Assert.Contains("'pdf'", problem.GetProperty("errors").GetProperty("format")[0].GetString());
            await ProblemAsync(client, url + "?format=csv&bom=maybe", "bom");
        }
    }

    [Fact]
    public async Task BadParametersAnswer400NamingTheParameter()
    {
        await using var host = await KithTestHost.StartAsync();
        var (_, client) = await host.UserWithClientAsync(Role.Agent);
        await ProblemAsync(client, "/api/v1/analytics/funnel?steps=access", "steps");
        await ProblemAsync(client, "/api/v1/analytics/funnel?steps=access,like&windowDays=-3", "windowDays");
        await ProblemAsync(client, "/api/v1/analytics/trends?metric=visits", "metric");
        await ProblemAsync(client, "/api/v1/analytics/trends?interval=hour", "interval");
        await ProblemAsync(client, "/api/v1/analytics/trends?interval=day&from=1990-01-01", "interval");
        await ProblemAsync(client, "/api/v1/analytics/cohorts?by=week", "by");
        await ProblemAsync(client, "/api/v1/analytics/cohorts?refresh=yes", "refresh");
        await ProblemAsync(client, "/api/v1/analytics/top?kind=customers", "kind");
        await ProblemAsync(client, "/api/v1/analytics/top?limit=0", "limit");
        await ProblemAsync(client, "/api/v1/analytics/heatmap?from=yesterday", "from");
        await ProblemAsync(client, "/api/v1/analytics/heatmap?to=2026-02-30", "to");
        await ProblemAsync(client, "/api/v1/analytics/heatmap?from=2026-03-01&to=2026-02-01", "from");
        await ProblemAsync(client, "/api/v1/analytics/rfm?format=xml", "format");
        await ProblemAsync(client, "/api/v1/analytics/rfm/customers?segment=vip", "segment");
        await ProblemAsync(client, "/api/v1/analytics/dashboard?team=finance", "team");
    }

    [Fact]
    public async Task AnEventTypeIsAKeyInEveryAnalysisAMalformedOneIsA400AndAnUnknownOneCountsNothing()
    {
        await using var host = await KithTestHost.StartAsync();
        var (adminId, admin) = await host.UserWithClientAsync(Role.Admin);
        await SeedAsync(host, adminId, adminId);
        await using (var db = host.OpenDb())
        {
            var ann = await db.Customers.Where(c => c.Name == "Ann").Select(c => c.Id).SingleAsync(Ct);
            db.BehaviorEvents.Add(new BehaviorEvent { EventId = "5", CustomerId = ann, Type = "加购", OccurredAt = At(1, 7) });
            await db.SaveChangesAsync(Ct);
        }
        const string period = "from=2026-01-01&to=2026-03-31";

        var problem = await ProblemAsync(admin, $"/api/v1/analytics/cohorts?event=Bad%20Type&{period}", "event");
        Assert.Contains("'bad_type'", problem.GetProperty("errors").GetProperty("event")[0].GetString());
        await ProblemAsync(admin, $"/api/v1/analytics/heatmap?event=Bad%20Type&{period}", "event");
        await ProblemAsync(admin, $"/api/v1/analytics/funnel?steps=access,Bad%20Type&{period}", "steps");
        await ProblemAsync(admin, $"/api/v1/analytics/funnel?steps=access,!!&{period}", "steps");

        var funnel = await (await admin.GetAsync($"/api/v1/analytics/funnel?steps=access,{Uri.EscapeDataString("加购")}&{period}", Ct)).JsonAsync();
        Assert.Equal(["access 2", "加购 1"], funnel.GetProperty("steps").EnumerateArray().Select(s => $"{s.GetProperty("type").GetString()} {s.GetProperty("customers").GetInt64()}"));
        var heatmap = await (await admin.GetAsync($"/api/v1/analytics/heatmap?event={Uri.EscapeDataString("加购")}&{period}", Ct)).JsonAsync();
        Assert.Equal(1, heatmap.GetProperty("counts").EnumerateArray().Sum(d => d.EnumerateArray().Sum(h => h.GetInt64())));
        var unknown = await (await admin.GetAsync($"/api/v1/analytics/heatmap?event=never_sent&{period}", Ct)).JsonAsync();
        Assert.Equal(0, unknown.GetProperty("counts").EnumerateArray().Sum(d => d.EnumerateArray().Sum(h => h.GetInt64())));
        var cohorts = await admin.GetAsync($"/api/v1/analytics/cohorts?event=never_sent&{period}", Ct);
        Assert.Equal(HttpStatusCode.OK, cohorts.StatusCode);
    }
}
