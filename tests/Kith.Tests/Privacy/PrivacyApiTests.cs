using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Kith.Core.Behavior;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Kith.Tests.Privacy;

/// <summary>Personal data export and erasure, the erased-person guard on create and import, consents and retention.</summary>
public sealed class PrivacyApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<long> IdAsync(HttpResponseMessage response, HttpStatusCode expected = HttpStatusCode.Created)
    {
        Assert.True(response.StatusCode == expected, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync(Ct)}");
        return (await response.JsonAsync()).GetProperty("id").GetInt64();
    }

    /// <summary>A customer with something of every kind: fields, tags, history, a communication with an attachment, a task, events, a case, feedback, a purchase, a consent.</summary>
    private static async Task<long> PersonAsync(KithTestHost host, HttpClient client, string marker)
    {
        var id = await IdAsync(await client.PostJsonAsync("/api/v1/customers",
            new { name = $"Ada {marker}", email = $"{marker}@example.com", phone = "+8613800138123", externalId = $"ext-{marker}", city = "Hangzhou", tags = new[] { "vip" } }));
        var patch = new HttpRequestMessage(HttpMethod.Patch, $"/api/v1/customers/{id}")
        {
            Content = new StringContent($$"""{"city":"City {{marker}}","address":"Road {{marker}}"}""", Encoding.UTF8, "application/merge-patch+json"),
        };
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(patch, Ct)).StatusCode);
        var communication = await IdAsync(await client.PostJsonAsync("/api/v1/communications",
            new { customerId = id, channel = "phone", subject = $"Call {marker}", content = $"She said {marker} twice." }));
        var upload = await client.PostAsync($"/api/v1/communications/{communication}/attachments?fileName=notes.txt",
            new StringContent($"attachment body {marker}", Encoding.UTF8, "text/plain"), Ct);
        Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        await IdAsync(await client.PostJsonAsync("/api/v1/tasks", new { title = "Call back", notes = $"Ask about {marker}", customerId = id }));
        var events = await client.PostJsonAsync("/api/v1/events", new[]
        {
            new { eventId = $"e-{marker}", customerId = id, type = "access", occurredAt = DateTime.UtcNow.AddHours(-1).ToString("O"), page = $"/p/{marker}" },
        });
        Assert.Equal(1, (await events.JsonAsync()).GetProperty("accepted").GetInt32());
        Assert.Equal(HttpStatusCode.Created, (await client.PostJsonAsync($"/api/v1/customers/{id}/consents",
            new { purpose = "marketing_email", status = "granted", legalBasis = "consent", note = $"signed {marker}" })).StatusCode);
        // A service case whose subject changed (its history holds the old subject) and a satisfaction answer.
        var serviceCase = await IdAsync(await client.PostJsonAsync("/api/v1/cases", new { subject = $"Case {marker}", customerId = id }));
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(new HttpRequestMessage(HttpMethod.Patch, $"/api/v1/cases/{serviceCase}")
        {
            Content = new StringContent("""{"subject":"Renamed case"}""", Encoding.UTF8, "application/merge-patch+json"),
        }, Ct)).StatusCode);
        await IdAsync(await client.PostJsonAsync("/api/v1/feedback", new { customerId = id, kind = "csat", score = 5, comment = $"Loved {marker}" }));
        await using (var db = host.OpenDb())
        {
            db.Purchases.Add(new Kith.Core.Purchases.Purchase { CustomerId = id, OrderedAt = DateTime.UtcNow, Product = $"Book {marker}", AmountMicros = 5_000_000, CreatedAt = DateTime.UtcNow });
            await db.SaveChangesAsync(Ct);
        }
        return id;
    }

    [Fact]
    public async Task TheExportHoldsEveryKindAsJsonAndCsvWithTheAttachmentAndIs404OutOfReach()
    {
        await using var host = await KithTestHost.StartAsync();
        var (_, agent) = await host.UserWithClientAsync(Role.Agent);
        var (_, stranger) = await host.UserWithClientAsync(Role.Agent);
        var id = await PersonAsync(host, agent, "exportmark");

        var response = await agent.GetAsync($"/api/v1/customers/{id}/personal-data", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/zip", response.Content.Headers.ContentType?.MediaType);
        using var zip = new ZipArchive(await response.Content.ReadAsStreamAsync(Ct));
        var names = zip.Entries.Select(e => e.FullName).ToList();
        foreach (var kind in new[] { "customer", "tags", "history", "communications", "participants", "attachments", "tasks", "purchases",
                     "behavior_events", "behavior_summary", "email_messages", "segment_memberships", "scores", "consents" })
            Assert.Contains(kind + ".csv", names);
        var file = Assert.Single(names, n => n.StartsWith("attachments/", StringComparison.Ordinal));
        using (var reader = new StreamReader(zip.GetEntry(file)!.Open())) Assert.Equal("attachment body exportmark", await reader.ReadToEndAsync(Ct));

        JsonElement doc;
        await using (var json = zip.GetEntry("personal-data.json")!.Open()) doc = (await JsonDocument.ParseAsync(json, cancellationToken: Ct)).RootElement.Clone();
        var data = doc.GetProperty("data");
        Assert.Equal("exportmark@example.com", data.GetProperty("customer")[0].GetProperty("email").GetString());
        Assert.Equal("vip", data.GetProperty("tags")[0].GetProperty("name").GetString());
        Assert.Contains(data.GetProperty("history").EnumerateArray(), h => h.GetProperty("new_value").GetString() == "City exportmark");
        Assert.Equal("She said exportmark twice.", data.GetProperty("communications")[0].GetProperty("content").GetString());
        Assert.Equal("/p/exportmark", data.GetProperty("behavior_events")[0].GetProperty("page").GetString());
        Assert.Equal("Book exportmark", data.GetProperty("purchases")[0].GetProperty("product").GetString());
        Assert.Equal("Ask about exportmark", data.GetProperty("tasks")[0].GetProperty("notes").GetString());
        Assert.Equal("marketing_email", data.GetProperty("consents")[0].GetProperty("purpose").GetString());
        Assert.False(data.GetProperty("customer")[0].TryGetProperty("search_grams", out _));
        using (var csv = new StreamReader(zip.GetEntry("purchases.csv")!.Open()))
            Assert.Contains("Book exportmark", await csv.ReadToEndAsync(Ct));

        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"/api/v1/customers/{id}/personal-data", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"/api/v1/customers/{id}/consents", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.PostJsonAsync($"/api/v1/customers/{id}/consents", new { purpose = "sms", status = "granted" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await agent.GetAsync("/api/v1/customers/999999/personal-data", Ct)).StatusCode);
        // An agent may not erase unless the settings allow the role, and a stranger's erase is 403 before anything is looked up.
        Assert.Equal(HttpStatusCode.Forbidden, (await agent.PostJsonAsync($"/api/v1/customers/{id}/erase", new { })).StatusCode);
        await using var db = host.OpenDb();
        Assert.True(await db.Customers.AnyAsync(c => c.Id == id, Ct));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task AnErasedPersonLeavesNoByteInTheDatabaseFilesTheWalOrTheAttachmentsAndCannotBeCreatedAgain(DatabaseProvider provider)
    {
        await using var host = await KithTestHost.StartAsync(provider);
        var (_, admin) = await host.UserWithClientAsync(Role.Admin);
        var marker = "qzx" + Guid.NewGuid().ToString("N")[..12];
        var id = await PersonAsync(host, admin, marker);
        var other = await IdAsync(await admin.PostJsonAsync("/api/v1/customers", new { name = "Grace Hopper", email = "grace@example.com" }));
        await AssertMarkerAsync(host, marker, present: true);

        var wrong = await admin.PostJsonAsync($"/api/v1/customers/{id}/erase", new { confirmName = "Someone else" });
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        var erased = await admin.PostJsonAsync($"/api/v1/customers/{id}/erase", new { confirmName = $"Ada {marker}" });
        Assert.Equal(HttpStatusCode.OK, erased.StatusCode);
        var counts = (await erased.JsonAsync()).GetProperty("counts");
        Assert.Equal(1, counts.GetProperty("customers").GetInt32());
        Assert.Equal(1, counts.GetProperty("communications").GetInt32());
        Assert.Equal(1, counts.GetProperty("behavior_events").GetInt32());

        await AssertMarkerAsync(host, marker, present: false);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/api/v1/customers/{id}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync($"/api/v1/customers/{other}", Ct)).StatusCode);
        var log = await (await admin.GetAsync("/api/v1/privacy/erasures", Ct)).JsonAsync();
        Assert.DoesNotContain(marker, log.GetRawText());
        Assert.Equal(1, log[0].GetProperty("counts").GetProperty("customers").GetInt32());

        foreach (var body in new object[] { new { name = "New", email = $"{marker.ToUpperInvariant()}@example.com" }, new { name = "New", phone = "138 0013 8123" }, new { name = "New", externalId = $"ext-{marker}" } })
        {
            var again = await admin.PostJsonAsync("/api/v1/customers", body);
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
            Assert.Contains("erased", (await again.JsonAsync()).GetProperty("detail").GetString());
        }
        Assert.Equal(HttpStatusCode.Created, (await admin.PostJsonAsync("/api/v1/customers", new { name = "New", email = "new@example.com" })).StatusCode);

        var import = await admin.PostAsync("/api/v1/imports/customers?fileName=people.csv",
            Csv($"name,email\nSomeone,{marker}@example.com\nLin,lin@example.com\n"), Ct);
        Assert.Equal(HttpStatusCode.Accepted, import.StatusCode);
        var job = await Kith.Tests.Importing.ImportsApiTests.FinishedAsync(admin, import.Headers.Location!.OriginalString);
        Assert.Equal(1, job.GetProperty("created").GetInt64());
        Assert.Equal(1, job.GetProperty("rejected").GetInt64());
        var report = await (await admin.GetAsync(import.Headers.Location!.OriginalString + "/report", Ct)).JsonAsync();
        var error = Assert.Single(report.GetProperty("errors").EnumerateArray());
        Assert.Contains("erased", error.GetProperty("message").GetString());
    }

    /// <summary>SQLite: the raw bytes of the database file and its WAL; PostgreSQL: every row of every table as text. Attachments on disk for both.</summary>
    private static async Task AssertMarkerAsync(KithTestHost host, string marker, bool present)
    {
        var hits = new List<string>();
        var data = host.Database.Options.DataDirectory;
        var needle = Encoding.UTF8.GetBytes(marker);
        if (host.Database.Options.Provider == DatabaseProvider.Sqlite)
        {
            foreach (var name in new[] { "kith.db", "kith.db-wal" })
            {
                var path = Path.Combine(data, name);
                if (!File.Exists(path)) continue;
                await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                var bytes = new byte[stream.Length];
                await stream.ReadExactlyAsync(bytes, Ct);
                var at = bytes.AsSpan().IndexOf(needle);
                if (at >= 0) hits.Add($"{name} at byte {at}: {Encoding.UTF8.GetString(bytes, Math.Max(0, at - 40), Math.Min(100, bytes.Length - Math.Max(0, at - 40)))}");
            }
        }
        else
        {
            await using var conn = new NpgsqlConnection(host.Database.Options.ConnectionString);
            await conn.OpenAsync(Ct);
            var tables = new List<string>();
            await using (var list = new NpgsqlCommand("SELECT tablename FROM pg_tables WHERE schemaname = 'public'", conn))
            await using (var reader = await list.ExecuteReaderAsync(Ct))
                while (await reader.ReadAsync(Ct)) tables.Add(reader.GetString(0));
            Assert.Contains("customers", tables);
            foreach (var table in tables)
            {
                await using var count = new NpgsqlCommand($"SELECT count(*) FROM \"{table}\" t WHERE t::text ILIKE @m", conn);
                count.Parameters.AddWithValue("m", "%" + marker + "%");
                if ((long)(await count.ExecuteScalarAsync(Ct))! > 0) hits.Add(table);
            }
        }
        var attachments = Path.Combine(data, "attachments");
        if (Directory.Exists(attachments))
            foreach (var file in Directory.GetFiles(attachments))
                if ((await File.ReadAllBytesAsync(file, Ct)).AsSpan().IndexOf(needle) >= 0) hits.Add(file);
        if (present) Assert.NotEmpty(hits);
        else Assert.True(hits.Count == 0, "The marker is still in: " + string.Join(", ", hits));
    }

    private static ByteArrayContent Csv(string text)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(text));
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        return content;
    }

    [Fact]
    public async Task ConsentsKeepTheirHistoryAndTheTrackerStoresNothingForAPersonWhoWithdrewTracking()
    {
        await using var host = await KithTestHost.StartAsync();
        var (_, admin) = await host.UserWithClientAsync(Role.Admin);
        var (_, viewer) = await host.UserWithClientAsync(Role.Viewer);
        var id = await IdAsync(await admin.PostJsonAsync("/api/v1/customers", new { name = "Lin", email = "lin@example.com" }));

        Assert.Equal(HttpStatusCode.Created, (await admin.PostJsonAsync($"/api/v1/customers/{id}/consents",
            new { purpose = "tracking", status = "granted", legalBasis = "consent", source = "form", at = "2026-01-05T10:00:00Z" })).StatusCode);
        var withdrawn = await admin.PostJsonAsync($"/api/v1/customers/{id}/consents", new { purpose = "tracking", status = "withdrawn", legalBasis = "consent" });
        Assert.Equal(HttpStatusCode.Created, withdrawn.StatusCode);
        Assert.Equal("api", (await withdrawn.JsonAsync()).GetProperty("source").GetString());
        var unknown = await admin.PostJsonAsync($"/api/v1/customers/{id}/consents", new { purpose = "telepathy", status = "granted" });
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.True((await unknown.JsonAsync()).GetProperty("errors").TryGetProperty("purpose", out _));
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostJsonAsync($"/api/v1/customers/{id}/consents", new { purpose = "sms", status = "granted" })).StatusCode);

        var view = await (await admin.GetAsync($"/api/v1/customers/{id}/consents", Ct)).JsonAsync();
        var current = Assert.Single(view.GetProperty("current").EnumerateArray());
        Assert.Equal("withdrawn", current.GetProperty("status").GetString());
        Assert.Equal(["withdrawn", "granted"], view.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("status").GetString()));
        Assert.Equal("form", view.GetProperty("history")[1].GetProperty("source").GetString());

        // The customer list filters by the current decision.
        var other = await IdAsync(await admin.PostJsonAsync("/api/v1/customers", new { name = "Mo" }));
        async Task<List<long>> FilterAsync(string filter) =>
            (await (await admin.GetAsync("/api/v1/customers?filter=" + Uri.EscapeDataString(filter), Ct)).JsonAsync())
                .GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetInt64()).ToList();
        Assert.Equal([id], await FilterAsync("consent.tracking eq withdrawn"));
        Assert.Empty(await FilterAsync("consent.tracking eq granted"));
        Assert.Equal([other], await FilterAsync("consent.tracking isnull"));
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.GetAsync("/api/v1/customers?filter=" + Uri.EscapeDataString("consent.tracking eq maybe"), Ct)).StatusCode);

        // Admin-defined purposes join the built-in ones.
        var settings = await (await admin.GetAsync("/api/v1/privacy/settings", Ct)).JsonAsync();
        Assert.Equal("reject", settings.GetProperty("onErasedMatch").GetString());
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsync("/api/v1/privacy/settings", JsonContent(new
        {
            eraseRoles = new[] { "admin" }, onErasedMatch = "reject", purposes = new[] { new { key = "phone_calls", name = "Phone calls" } },
            retention = new { deletedCustomersDays = 30 },
        }), Ct)).StatusCode);
        var purposes = await (await admin.GetAsync("/api/v1/consent-purposes", Ct)).JsonAsync();
        Assert.Equal(["marketing_email", "sms", "tracking", "phone_calls"], purposes.EnumerateArray().Select(p => p.GetProperty("key").GetString()));
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.GetAsync("/api/v1/privacy/settings", Ct)).StatusCode);

        var key = await Kith.Tests.Events.TrackerApiTests.SiteKeyAsync(admin, "https://shop.example.com");
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/track?key={key}")
        {
            Content = new StringContent(JsonSerializer.Serialize(new
            {
                visitorId = "visitor-12345678", email = "lin@example.com",
                events = new[] { new { eventId = "t1", type = "access", occurredAt = DateTime.UtcNow.AddMinutes(-1).ToString("O"), page = "/" } },
            }), Encoding.UTF8, "text/plain"),
        };
        request.Headers.Add("Origin", "https://shop.example.com");
        var tracked = await (await host.AnonymousClient().SendAsync(request, Ct)).JsonAsync();
        Assert.Equal(0, tracked.GetProperty("accepted").GetInt32());
        Assert.Equal("consent", tracked.GetProperty("errors")[0].GetProperty("field").GetString());
        await using var db = host.OpenDb();
        Assert.Equal(0, await db.BehaviorEvents.CountAsync(Ct));
        Assert.Equal(0, await db.PendingEvents.CountAsync(Ct));
    }

    private static StringContent JsonContent(object body) => new(JsonSerializer.Serialize(body, KithTestHost.Json), Encoding.UTF8, "application/json");

    [Fact]
    public async Task TheRetentionDryRunCountsWhatIsPastItsAgeAndThePurgeRemovesOnlyThatErasingCustomersLongInTheBin()
    {
        await using var host = await KithTestHost.StartAsync();
        var (_, admin) = await host.UserWithClientAsync(Role.Admin);
        var kept = await IdAsync(await admin.PostJsonAsync("/api/v1/customers", new { name = "Kept", email = "kept@example.com" }));
        var binned = await IdAsync(await admin.PostJsonAsync("/api/v1/customers", new { name = "Binned", email = "binned@example.com" }));
        var recent = await IdAsync(await admin.PostJsonAsync("/api/v1/customers", new { name = "Recently binned" }));
        await using (var db = host.OpenDb())
        {
            db.BehaviorEvents.Add(new BehaviorEvent { CustomerId = kept, Type = "access", OccurredAt = DateTime.UtcNow.AddDays(-100) });
            db.BehaviorEvents.Add(new BehaviorEvent { CustomerId = kept, Type = "access", OccurredAt = DateTime.UtcNow.AddDays(-5) });
            await db.SaveChangesAsync(Ct);
            await db.Customers.Where(c => c.Id == binned).ExecuteUpdateAsync(s => s.SetProperty(c => c.DeletedAt, DateTime.UtcNow.AddDays(-40)), Ct);
            await db.Customers.Where(c => c.Id == recent).ExecuteUpdateAsync(s => s.SetProperty(c => c.DeletedAt, DateTime.UtcNow.AddDays(-3)), Ct);
        }
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsync("/api/v1/privacy/settings", JsonContent(new
        {
            eraseRoles = Array.Empty<string>(), onErasedMatch = "reject", purposes = Array.Empty<object>(),
            retention = new { behaviorEventsDays = 30, deletedCustomersDays = 30 },
        }), Ct)).StatusCode);

        var preview = await (await admin.GetAsync("/api/v1/privacy/retention", Ct)).JsonAsync();
        Assert.True(preview.GetProperty("dryRun").GetBoolean());
        Assert.Equal(1, preview.GetProperty("counts").GetProperty("behaviorEvents").GetInt64());
        Assert.Equal(1, preview.GetProperty("counts").GetProperty("deletedCustomers").GetInt64());
        Assert.False(preview.GetProperty("counts").TryGetProperty("communications", out _));
        await using (var db = host.OpenDb()) Assert.Equal(2, await db.BehaviorEvents.CountAsync(Ct));

        var purged = await (await admin.PostAsync("/api/v1/privacy/retention/purge", null, Ct)).JsonAsync();
        Assert.Equal(1, purged.GetProperty("counts").GetProperty("behaviorEvents").GetInt64());
        await using (var db = host.OpenDb())
        {
            Assert.True((await db.BehaviorEvents.SingleAsync(Ct)).OccurredAt > DateTime.UtcNow.AddDays(-6));
            Assert.Equal([kept, recent], await db.Customers.OrderBy(c => c.Id).Select(c => c.Id).ToListAsync(Ct));
            Assert.Equal("retention", (await db.Erasures.SingleAsync(Ct)).Reason);
        }
        var again = await admin.PostJsonAsync("/api/v1/customers", new { name = "Binned", email = "binned@example.com" });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        var (_, manager) = await host.UserWithClientAsync(Role.Manager);
        Assert.Equal(HttpStatusCode.Forbidden, (await manager.GetAsync("/api/v1/privacy/retention", Ct)).StatusCode);
    }
}
