using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Kith.Core.Identity;
using Kith.Tests.Exporting;
using Kith.Tests.Identity;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Tests.Importing;

/// <summary>/api/v1/imports through the real host: the file goes in as the body, the server's worker runs the job.</summary>
public sealed class ImportsApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string People = "name,email,phone\n王小明,Wang@Example.com,13800138000\nAda Lovelace,not-an-email,\nGrace Hopper, grace@example.com ,\n";

    private static ByteArrayContent Body(string csv)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(csv));
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        return content;
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient client, string url, string csv) =>
        await client.PostAsync(url, Body(csv), Ct);

    /// <summary>Queues an import and returns its Location.</summary>
    private static async Task<string> StartAsync(HttpClient client, string csv, string query = "")
    {
        var response = await PostAsync(client, "/api/v1/imports/customers" + query, csv);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return response.Headers.Location?.OriginalString ?? throw new InvalidOperationException("No Location.");
    }

    /// <summary>Polls the job until it has ended. The bound only stops a broken worker from hanging the test run.</summary>
    internal static async Task<JsonElement> FinishedAsync(HttpClient client, string location)
    {
        for (var attempt = 0; attempt < 1200; attempt++)
        {
            var job = await (await client.GetAsync(location, Ct)).JsonAsync();
            if (job.GetProperty("status").GetString() is not ("queued" or "running")) return job;
            await Task.Delay(50, Ct);
        }
        throw new InvalidOperationException($"{location} did not end.");
    }

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return await response.JsonAsync();
    }

    [Fact]
    public async Task ACsvPostedToTheApiIsQueuedRunByTheServerAndReportsTheRefusedRowWithItsLineAndColumn()
    {
        await using var host = await KithTestHost.StartAsync();
        var (userId, client) = await host.UserWithClientAsync(Role.Agent);

        var response = await PostAsync(client, "/api/v1/imports/customers?fileName=people.csv&region=CN", People);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var location = response.Headers.Location?.OriginalString;
        var queued = await response.JsonAsync();
        var id = queued.GetProperty("id").GetInt64();
        Assert.Equal($"/api/v1/imports/{id}", location);
        Assert.Equal("customers", queued.GetProperty("kind").GetString());
        Assert.Equal("people.csv", queued.GetProperty("fileName").GetString());

        var job = await FinishedAsync(client, location!);
        Assert.Equal("completed", job.GetProperty("status").GetString());
        Assert.Equal(1.0, job.GetProperty("progress").GetDouble());
        Assert.Equal(3, job.GetProperty("rowsRead").GetInt64());
        Assert.Equal(2, job.GetProperty("created").GetInt64());
        Assert.Equal(1, job.GetProperty("rejected").GetInt64());

        var report = await (await client.GetAsync($"{location}/report", Ct)).JsonAsync();
        Assert.Equal(2, report.GetProperty("created").GetInt64());
        Assert.Equal(1, report.GetProperty("rejected").GetInt64());
        var error = Assert.Single(report.GetProperty("errors").EnumerateArray());
        Assert.Equal(3, error.GetProperty("line").GetInt32());
        Assert.Equal("email", error.GetProperty("column").GetString());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        Assert.Equal(1, report.GetProperty("summary").GetProperty("cleaning").GetProperty("email").GetProperty("lower-cased").GetInt64());

        await using (var db = host.OpenDb())
        {
            var stored = await db.Customers.OrderBy(c => c.Id).Select(c => new { c.Name, c.Email, c.Phone, c.ImportJobId, c.OwnerId }).ToListAsync(Ct);
            Assert.Equal(["王小明", "Grace Hopper"], stored.Select(c => c.Name));
            Assert.Equal("wang@example.com", stored[0].Email);
            Assert.Equal("+8613800138000", stored[0].Phone);
            Assert.Equal("grace@example.com", stored[1].Email);
            Assert.All(stored, c => Assert.Equal(id, c.ImportJobId));
            Assert.All(stored, c => Assert.Equal(userId, c.OwnerId));
        }

        var list = await (await client.GetAsync("/api/v1/imports", Ct)).JsonAsync();
        Assert.Equal(id, Assert.Single(list.EnumerateArray()).GetProperty("id").GetInt64());
    }

    [Fact]
    public async Task TheRefusedRowsDownloadAsCsvWithTheirErrorFromTheApiAndFromTheSignedInBrowser()
    {
        await using var host = await KithTestHost.StartAsync();
        var userId = await host.CreateUserAsync("ana@example.com", Role.Agent);
        var client = await host.ApiClientAsync(userId);
        var location = await StartAsync(client, People);
        var id = (await FinishedAsync(client, location)).GetProperty("id").GetInt64();

        var api = await client.GetAsync($"{location}/rejected", Ct);
        Assert.Equal(HttpStatusCode.OK, api.StatusCode);
        Assert.Equal("text/csv", api.Content.Headers.ContentType?.MediaType);
        Assert.Equal($"import-{id}-rejected.csv", api.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        var rows = ExportApiTests.Csv(await api.Content.ReadAsByteArrayAsync(Ct));
        Assert.Equal(["name", "email", "phone", "error", "line"], rows[0].Select(c => c.TrimStart('\uFEFF')));
        var refused = Assert.Single(rows.Skip(1));
        Assert.Equal("Ada Lovelace", refused[0]);
        Assert.Equal("not-an-email", refused[1]);
        Assert.StartsWith("email: ", refused[3]);
        Assert.Equal("3", refused[4]);

        var workbook = await client.GetAsync($"{location}/rejected?format=xlsx", Ct);
        Assert.Equal("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", workbook.Content.Headers.ContentType?.MediaType);
        Assert.Equal("PK"u8.ToArray(), (await workbook.Content.ReadAsByteArrayAsync(Ct))[..2]);
        var pdf = await ProblemAsync(await client.GetAsync($"{location}/rejected?format=pdf", Ct), HttpStatusCode.BadRequest);
        Assert.True(pdf.GetProperty("errors").TryGetProperty("format", out _));

        // The browser's link takes the sign-in cookie; the file is the same.
        var browser = await host.SignedInClientAsync("ana@example.com");
        var download = await browser.GetAsync($"/imports/{id}/rejected.csv", Ct);
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("attachment", download.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("no-store", download.Headers.CacheControl?.ToString());
        Assert.Equal(rows, ExportApiTests.Csv(await download.Content.ReadAsByteArrayAsync(Ct)));
        var browserWorkbook = await browser.GetAsync($"/imports/{id}/rejected.xlsx", Ct);
        Assert.Equal(HttpStatusCode.OK, browserWorkbook.StatusCode);
        Assert.Equal($"import-{id}-rejected.xlsx", browserWorkbook.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        // Without the cookie it is the sign-in page, not the file.
        var anonymous = await host.AnonymousClient().GetAsync($"/imports/{id}/rejected.csv", Ct);
        Assert.Equal(HttpStatusCode.Redirect, anonymous.StatusCode);
        Assert.Contains("/account/login", anonymous.Headers.Location?.OriginalString);
        // Someone else's import is not found, with the cookie as with a token.
        await host.CreateUserAsync("bo@example.com", Role.Agent);
        var other = await host.SignedInClientAsync("bo@example.com");
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/imports/{id}/rejected.csv", Ct)).StatusCode);
    }

    [Fact]
    public async Task ThePreviewMapsAChineseHeaderAndReportsTheRowItWouldRefuseWithoutImportingAnything()
    {
        await using var host = await KithTestHost.StartAsync();
        var (_, client) = await host.UserWithClientAsync(Role.Agent);

        var response = await PostAsync(client, "/api/v1/imports/customers/preview?region=CN",
            "姓名,邮箱,手机,备注\n王小明,WANG@example.com,138 0013 8000,x\n李娜,坏邮箱,,y\n");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var preview = await response.JsonAsync();
        var columns = preview.GetProperty("columns").EnumerateArray()
            .Select(c => (c.GetProperty("column").GetString(), c.GetProperty("field").ValueKind == JsonValueKind.Null ? null : c.GetProperty("field").GetString()))
            .ToList();
        Assert.Equal([("姓名", "name"), ("邮箱", "email"), ("手机", "phone"), ("备注", (string?)null)], columns);
        Assert.Contains(preview.GetProperty("fields").EnumerateArray(), f => f.GetProperty("key").GetString() == "externalId");
        Assert.Equal(2, preview.GetProperty("rowsScanned").GetInt64());
        Assert.True(preview.GetProperty("scannedWholeFile").GetBoolean());
        Assert.Equal(1, preview.GetProperty("rowsRejected").GetInt64());
        var error = Assert.Single(preview.GetProperty("errors").EnumerateArray());
        Assert.Equal(3, error.GetProperty("line").GetInt32());
        Assert.Equal("邮箱", error.GetProperty("column").GetString());
        var first = preview.GetProperty("sample")[0];
        Assert.Equal(2, first.GetProperty("line").GetInt32());
        Assert.Equal("wang@example.com", first.GetProperty("values").GetProperty("email").GetString());
        Assert.Equal("+8613800138000", first.GetProperty("values").GetProperty("phone").GetString());
        Assert.Equal(1, preview.GetProperty("cleaning").GetProperty("email").GetProperty("lower-cased").GetInt64());

        // An override maps the ignored column; nothing was stored by either preview.
        var mapped = await (await PostAsync(client, "/api/v1/imports/customers/preview?map=备注=city",
            "姓名,邮箱,手机,备注\n王小明,wang@example.com,,上海\n")).JsonAsync();
        Assert.Equal("city", mapped.GetProperty("columns")[3].GetProperty("field").GetString());
        Assert.Equal("上海", mapped.GetProperty("sample")[0].GetProperty("values").GetProperty("city").GetString());
        await using var db = host.OpenDb();
        Assert.Equal(0, await db.Customers.CountAsync(Ct));
        Assert.Equal(0, await db.ImportJobs.CountAsync(Ct));
    }

    [Fact]
    public async Task APreviewOfAFileThatIsNotATableOrOfAnImpossibleMappingIsABadRequestSayingWhy()
    {
        await using var host = await KithTestHost.StartAsync();
        var (_, client) = await host.UserWithClientAsync(Role.Agent);

        var garbage = new ByteArrayContent([0x00, 0x01, 0x02, 0xFF, 0xFE, 0x00, 0x9C, 0x00, 0x00, 0x7F, 0x00, 0x00, 0x1B, 0x00]);
        var binary = await ProblemAsync(await client.PostAsync("/api/v1/imports/customers/preview", garbage, Ct), HttpStatusCode.BadRequest);
        Assert.True(binary.GetProperty("errors").TryGetProperty("file", out _), binary.ToString());
        // A form upload (curl -F) is refused saying how to send the file, not read as a file whose header is its boundary.
        using var form = new MultipartFormDataContent { { new StringContent("name,email\nAnn,ann@example.com\n"), "file", "people.csv" } };
        foreach (var url in new[] { "/api/v1/imports/customers/preview", "/api/v1/imports/customers" })
            Assert.Contains("--data-binary", (await ProblemAsync(await client.PostAsync(url, form, Ct), HttpStatusCode.UnsupportedMediaType)).GetProperty("detail").GetString());
        // The reader's message says where once (it was "Line 3, column 2: line 3, column 2: …").
        var open = await ProblemAsync(await PostAsync(client, "/api/v1/imports/customers/preview", "name,email\nA,a@example.com\nB,\"b@example.com\nC,c@example.com\n"),
            HttpStatusCode.BadRequest);
        Assert.Equal("line 3, column 2: a quote opens a field here and is never closed", open.GetProperty("errors").GetProperty("file")[0].GetString());

        var twice = await ProblemAsync(await PostAsync(client, "/api/v1/imports/customers/preview?map=mail=email", "email,mail\na@example.com,b@example.com\n"),
            HttpStatusCode.BadRequest);
        Assert.Contains("email", twice.GetProperty("errors").GetProperty("map")[0].GetString());
    }

    [Fact]
    public async Task StartingAnImportOfAFileThatCannotBeReadOrMappedIsABadRequestAndQueuesNothing()
    {
        await using var host = await KithTestHost.StartAsync();
        var (_, client) = await host.UserWithClientAsync(Role.Agent);

        var garbage = new ByteArrayContent([0x00, 0x01, 0x02, 0xFF, 0xFE, 0x00, 0x9C, 0x00, 0x00, 0x7F, 0x00, 0x00, 0x1B, 0x00]);
        var binary = await ProblemAsync(await client.PostAsync("/api/v1/imports/customers", garbage, Ct), HttpStatusCode.BadRequest);
        Assert.True(binary.GetProperty("errors").TryGetProperty("file", out _), binary.ToString());
        var empty = await ProblemAsync(await PostAsync(client, "/api/v1/imports/customers", ""), HttpStatusCode.BadRequest);
        Assert.True(empty.GetProperty("errors").TryGetProperty("file", out _), empty.ToString());
        var nameless = await ProblemAsync(await PostAsync(client, "/api/v1/imports/customers", "email\nann@example.com\n"), HttpStatusCode.BadRequest);
        Assert.Contains("No column maps to name", nameless.GetProperty("errors").GetProperty("map")[0].GetString());
        var idless = await ProblemAsync(await PostAsync(client, "/api/v1/imports/events", "customer_id,event_type,behavior_time\nC1,access,2026-01-01T00:00:00Z\n"),
            HttpStatusCode.BadRequest);
        Assert.Contains("eventId", idless.GetProperty("errors").GetProperty("map")[0].GetString());

        // Reading the head of a file to find its format finds a quote never closed there too, with its line.
        var open = await ProblemAsync(await PostAsync(client, "/api/v1/imports/customers", "name,email\nA,a@example.com\nB,\"b@example.com\n"),
            HttpStatusCode.BadRequest);
        Assert.StartsWith("line 3, column 2:", open.GetProperty("errors").GetProperty("file")[0].GetString());

        Assert.Empty((await (await client.GetAsync("/api/v1/imports", Ct)).JsonAsync()).EnumerateArray());
        var uploads = Path.Combine(host.Database.Options.DataDirectory, "imports");
        Assert.Empty(Directory.Exists(uploads) ? Directory.GetFiles(uploads) : []);
    }

    [Fact]
    public async Task ACompletedImportIsRevertedOnceAndCannotBeCancelled()
    {
        await using var host = await KithTestHost.StartAsync();
        var (_, client) = await host.UserWithClientAsync(Role.Admin);
        var first = await StartAsync(client, People);
        // Several imports queue; the worker runs them one after the other.
        var second = await StartAsync(client, "name,email\nLinus,linus@example.com\n");
        Assert.Equal("completed", (await FinishedAsync(client, first)).GetProperty("status").GetString());
        Assert.Equal("completed", (await FinishedAsync(client, second)).GetProperty("status").GetString());

        var cancel = await ProblemAsync(await client.PostAsync($"{first}/cancel", null, Ct), HttpStatusCode.Conflict);
        Assert.Contains("completed", cancel.GetProperty("detail").GetString());

        var reverted = await client.PostAsync($"{first}/revert", null, Ct);
        Assert.Equal(HttpStatusCode.OK, reverted.StatusCode);
        Assert.Equal("reverted", (await reverted.JsonAsync()).GetProperty("status").GetString());
        await using (var db = host.OpenDb())
            Assert.Equal(["Linus"], await db.Customers.Select(c => c.Name).ToListAsync(Ct));
        Assert.Equal("reverted", (await (await client.GetAsync(first, Ct)).JsonAsync()).GetProperty("status").GetString());

        await ProblemAsync(await client.PostAsync($"{first}/revert", null, Ct), HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task AnUnknownKindOrABadOptionIsABadRequestNamingIt()
    {
        await using var host = await KithTestHost.StartAsync();
        var (_, client) = await host.UserWithClientAsync(Role.Agent);

        var kind = await ProblemAsync(await PostAsync(client, "/api/v1/imports/invoices", People), HttpStatusCode.BadRequest);
        Assert.Contains("invoices", kind.GetProperty("errors").GetProperty("kind")[0].GetString());
        Assert.Contains("customers", kind.GetProperty("errors").GetProperty("kind")[0].GetString());

        var mode = await ProblemAsync(await PostAsync(client, "/api/v1/imports/customers?mode=foo", People), HttpStatusCode.BadRequest);
        Assert.Contains("foo", mode.GetProperty("errors").GetProperty("mode")[0].GetString());
        var delimiter = await ProblemAsync(await PostAsync(client, "/api/v1/imports/customers?delimiter=x", People), HttpStatusCode.BadRequest);
        Assert.Contains("'x'", delimiter.GetProperty("errors").GetProperty("delimiter")[0].GetString());
        var region = await ProblemAsync(await PostAsync(client, "/api/v1/imports/customers/preview?region=ZZ", People), HttpStatusCode.BadRequest);
        Assert.True(region.GetProperty("errors").TryGetProperty("region", out _));
        var missing = await ProblemAsync(await PostAsync(client, "/api/v1/imports/customers?missing=email=maybe", People), HttpStatusCode.BadRequest);
        Assert.True(missing.GetProperty("errors").TryGetProperty("missing", out _));

        // Nothing was queued by any of them.
        await using var db = host.OpenDb();
        Assert.Equal(0, await db.ImportJobs.CountAsync(Ct));
    }

    [Fact]
    public async Task AnAgentCannotSeeOrTouchAnotherAgentsImportWhileAManagerCan()
    {
        await using var host = await KithTestHost.StartAsync();
        var (_, ana) = await host.UserWithClientAsync(Role.Agent);
        var (_, bo) = await host.UserWithClientAsync(Role.Agent);
        var (_, manager) = await host.UserWithClientAsync(Role.Manager);
        var location = await StartAsync(ana, People);
        await FinishedAsync(ana, location);

        foreach (var path in new[] { location, $"{location}/report", $"{location}/rejected" })
            await ProblemAsync(await bo.GetAsync(path, Ct), HttpStatusCode.NotFound);
        await ProblemAsync(await bo.PostAsync($"{location}/revert", null, Ct), HttpStatusCode.NotFound);
        await ProblemAsync(await bo.PostAsync($"{location}/cancel", null, Ct), HttpStatusCode.NotFound);
        Assert.Empty((await (await bo.GetAsync("/api/v1/imports", Ct)).JsonAsync()).EnumerateArray());

        Assert.Equal(HttpStatusCode.OK, (await manager.GetAsync(location, Ct)).StatusCode);
        Assert.Single((await (await manager.GetAsync("/api/v1/imports", Ct)).JsonAsync()).EnumerateArray());
        Assert.Equal("completed", (await (await ana.GetAsync(location, Ct)).JsonAsync()).GetProperty("status").GetString());
    }

    [Fact]
    public async Task TheImportsApiNeedsAToken()
    {
        await using var host = await KithTestHost.StartAsync();
        var anonymous = host.AnonymousClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/v1/imports", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync("/api/v1/imports/customers", Body(People), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync("/api/v1/imports/customers/preview", Body(People), Ct)).StatusCode);
        // The sign-in cookie does not open the API either (ADR-0003).
        await host.CreateUserAsync("ana@example.com", Role.Admin);
        var browser = await host.SignedInClientAsync("ana@example.com");
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("/api/v1/imports", Ct)).StatusCode);
        await using var db = host.OpenDb();
        Assert.Equal(0, await db.ImportJobs.CountAsync(Ct));
    }
}
