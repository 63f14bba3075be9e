using System.Net;
using System.Text;
using Kith.Core.Identity;
using Kith.Tests.Identity;
using Kith.Tests.Infrastructure;
using MiniExcelLibs;
using nietras.SeparatedValues;

namespace Kith.Tests.Exporting;

public sealed class ExportApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static string Today => DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    private static async Task CreateAsync(HttpClient client, string path, object body)
    {
        var response = await client.PostJsonAsync(path, body);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    internal static List<string[]> Csv(byte[] file)
    {
        using var reader = Sep.New(',').Reader(o => o with { HasHeader = false, Unescape = true, DisableColCountCheck = true }).From(new MemoryStream(file));
        var rows = new List<string[]>();
        foreach (var row in reader)
        {
            var cells = new string[row.ColCount];
            for (var i = 0; i < cells.Length; i++) cells[i] = row[i].ToString();
            rows.Add(cells);
        }
        return rows;
    }

    [Fact]
    public async Task AnAgentExportsTheirCustomersAsCsvWithTheFileHeadersAndNothingOfOthers()
    {
        await using var host = await KithTestHost.StartAsync();
        var (_, ana) = await host.UserWithClientAsync(Role.Agent);
        var (_, bo) = await host.UserWithClientAsync(Role.Agent);
        await CreateAsync(ana, "/api/v1/customers", new { name = "王小明", email = "wang@example.com", city = "上海", address = "第一行\n第二行" });
        await CreateAsync(ana, "/api/v1/customers", new { name = "=SUM(A1)", stage = "customer" });
        await CreateAsync(bo, "/api/v1/customers", new { name = "Bo's customer", email = "secret@example.com" });

        var response = await ana.GetAsync("/api/v1/customers/export?sort=name", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("utf-8", response.Content.Headers.ContentType?.CharSet);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal($"customers-{Today}.csv", response.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        var file = await response.Content.ReadAsByteArrayAsync(Ct);
        Assert.Equal([0xEF, 0xBB, 0xBF], file[..3]);
        var rows = Csv(file);
        Assert.Equal("kithId", rows[0][0]);
        var name = Array.IndexOf(rows[0], "name");
        Assert.Equal(["'=SUM(A1)", "王小明"], rows.Skip(1).Select(r => r[name]));
        Assert.Equal("第一行\n第二行", rows[2][Array.IndexOf(rows[0], "address")]);
        Assert.DoesNotContain("secret@example.com", Encoding.UTF8.GetString(file));

        var chosen = await ana.GetAsync("/api/v1/customers/export?filter=stage%20eq%20customer&columns=name,stage&bom=false", Ct);
        var plain = await chosen.Content.ReadAsByteArrayAsync(Ct);
        Assert.Equal("name,stage\r\n'=SUM(A1),customer\r\n", Encoding.UTF8.GetString(plain));
    }

    [Fact]
    public async Task CompaniesExportAsAnXlsxWorkbook()
    {
        await using var host = await KithTestHost.StartAsync();
        var (_, admin) = await host.UserWithClientAsync(Role.Admin);
        await CreateAsync(admin, "/api/v1/companies", new { name = "星河科技", domain = "xinghe.cn", employees = 42 });
        await CreateAsync(admin, "/api/v1/companies", new { name = "Nordlicht GmbH" });

        var response = await admin.GetAsync("/api/v1/companies/export?format=xlsx&sort=name&columns=name,domain,employees", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal($"companies-{Today}.xlsx", response.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        using var stream = new MemoryStream(await response.Content.ReadAsByteArrayAsync(Ct));
        var rows = MiniExcel.Query(stream, useHeaderRow: false, excelType: ExcelType.XLSX).Cast<IDictionary<string, object?>>()
            .Select(r => r.Values.Select(v => v?.ToString() ?? "").ToArray()).ToList();
        Assert.Equal(["name", "domain", "employees"], rows[0]);
        Assert.Equal(["Nordlicht GmbH", "", ""], rows[1]);
        Assert.Equal(["星河科技", "xinghe.cn", "42"], rows[2]);
    }

    [Theory]
    [InlineData("/api/v1/customers/export?filter=stage%20eq", "filter")]
    [InlineData("/api/v1/customers/export?filter=salary%20gt%201", "filter")]
    [InlineData("/api/v1/customers/export?columns=name,salary", "columns")]
    [InlineData("/api/v1/customers/export?sort=salary", "sort")]
    [InlineData("/api/v1/customers/export?format=pdf", "format")]
    [InlineData("/api/v1/customers/export?bom=maybe", "bom")]
    [InlineData("/api/v1/companies/export?columns=stage", "columns")]
    public async Task AMistakeInTheQueryIsA400ProblemNamingIt(string url, string field)
    {
        await using var host = await KithTestHost.StartAsync();
        var (_, client) = await host.UserWithClientAsync(Role.Admin);
        await CreateAsync(client, "/api/v1/customers", new { name = "Someone" });

        var response = await client.GetAsync(url, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Null(response.Content.Headers.ContentDisposition);
        var problem = await response.JsonAsync();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Fact]
    public async Task TheApiExportNeedsATokenAndTheBrowserExportNeedsTheCookie()
    {
        await using var host = await KithTestHost.StartAsync();
        var id = await host.CreateUserAsync("ana@example.com", Role.Agent);
        var api = await host.ApiClientAsync(id);
        await CreateAsync(api, "/api/v1/customers", new { name = "陈静" });
        var browser = await host.SignedInClientAsync("ana@example.com");

        Assert.Equal(HttpStatusCode.Unauthorized, (await host.AnonymousClient().GetAsync("/api/v1/customers/export", Ct)).StatusCode);
        // The cookie alone never opens the API (ADR-0003).
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("/api/v1/customers/export", Ct)).StatusCode);
        var anonymous = await host.Browser().GetAsync("/customers/export", Ct);
        Assert.Equal(HttpStatusCode.Redirect, anonymous.StatusCode);
        Assert.Contains("/account/login", anonymous.Headers.Location?.OriginalString);

        var download = await browser.GetAsync("/customers/export?format=csv&q=%E9%99%88&columns=name,cf.x", Ct);
        Assert.Equal(HttpStatusCode.BadRequest, download.StatusCode);
        download = await browser.GetAsync("/customers/export?format=csv&q=%E9%99%88&columns=name,owner", Ct);
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal($"customers-{Today}.csv", download.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        Assert.Equal([["name", "owner"], ["陈静", "ana@example.com"]], Csv(await download.Content.ReadAsByteArrayAsync(Ct)));
        var companies = await browser.GetAsync("/companies/export?format=xlsx", Ct);
        Assert.Equal(HttpStatusCode.OK, companies.StatusCode);
        Assert.Equal($"companies-{Today}.xlsx", companies.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
    }

    [Fact]
    public async Task TheOpenApiDocumentDescribesTheExports()
    {
        await using var host = await KithTestHost.StartAsync();
        var doc = await (await host.AnonymousClient().GetAsync("/openapi/v1.json", Ct)).JsonAsync();
        var paths = doc.GetProperty("paths");
        foreach (var path in new[] { "/api/v1/customers/export", "/api/v1/companies/export" })
        {
            var get = paths.GetProperty(path).GetProperty("get");
            var content = get.GetProperty("responses").GetProperty("200").GetProperty("content");
            Assert.True(content.TryGetProperty("text/csv; charset=utf-8", out _) || content.TryGetProperty("text/csv", out _), content.ToString());
            Assert.True(get.GetProperty("responses").TryGetProperty("400", out _));
        }
        Assert.False(paths.TryGetProperty("/customers/export", out _));
    }
}
