using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Tests.Exporting;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using MiniExcelLibs;

namespace Kith.Tests.Identity;

/// <summary>
/// Field-level security on every path: an agent whose role hides the phone and a custom field (and may only read the
/// city) finds no trace of them anywhere, not even by filtering, sorting, counting or searching for their values,
/// and cannot write them; an admin sees and writes everything on the same paths.
/// </summary>
public sealed class FieldSecurityTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string Phone = "+86 139 0013 9000";
    private const string PhoneDigits = "8613900139000";
    private const string OldPhoneDigits = "13800138000";
    private const string Secret = "lilac-ledger";

    private sealed record World(KithTestHost Host, HttpClient Admin, HttpClient Agent, long Customer);

    private static async Task<World> StartAsync(DatabaseProvider provider)
    {
        var host = await KithTestHost.StartAsync(provider);
        var (_, admin) = await host.UserWithClientAsync(Role.Admin);
        var (agentId, agent) = await host.UserWithClientAsync(Role.Agent);
        Assert.Equal(HttpStatusCode.Created, (await admin.PostJsonAsync("/api/v1/custom-fields",
            new { entity = "customer", key = "vip_note", label = "VIP note", type = "text" })).StatusCode);
        var rules = await admin.PutAsJsonAsync("/api/v1/roles/agent/fields", new object[]
        {
            new { entity = "customer", field = "phone", restriction = "hidden" },
            new { entity = "customer", field = "cf.vip_note", restriction = "hidden" },
            new { entity = "customer", field = "city", restriction = "readOnly" },
        }, KithTestHost.Json, Ct);
        Assert.Equal(HttpStatusCode.OK, rules.StatusCode);

        var created = await admin.PostJsonAsync("/api/v1/customers", new
        {
            name = "Wang Fang", phone = "+86 138 0013 8000", city = "Shanghai", ownerId = agentId,
            customFields = new Dictionary<string, object> { ["vip_note"] = Secret },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.JsonAsync()).GetProperty("id").GetInt64();
        // A change of the phone, so that history and timeline hold one.
        Assert.Equal(HttpStatusCode.OK, (await PatchAsync(admin, id, new { phone = Phone })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await admin.PostJsonAsync("/api/v1/customers", new { name = "Li Lei", ownerId = agentId })).StatusCode);
        return new World(host, admin, agent, id);
    }

    private static Task<HttpResponseMessage> PatchAsync(HttpClient client, long id, object body)
    {
        var content = new StringContent(JsonSerializer.Serialize(body, KithTestHost.Json), Encoding.UTF8, "application/merge-patch+json");
        return client.PatchAsync($"/api/v1/customers/{id}", content, Ct);
    }

    private static async Task<JsonElement> OkJsonAsync(HttpClient client, string url)
    {
        var response = await client.GetAsync(url, Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}");
        return await response.JsonAsync();
    }

    /// <summary>The problem's detail of a refused request, with the name asked for taken out, to compare answers.</summary>
    private static async Task<string> RefusalAsync(HttpResponseMessage response, string asked)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        return (await response.JsonAsync()).GetProperty("detail").GetString()!.Replace(asked, "<asked>");
    }

    private static string Url(string path, params (string Name, string Value)[] query) =>
        path + "?" + string.Join("&", query.Select(q => q.Name + "=" + Uri.EscapeDataString(q.Value)));

    private static bool HasPhoneOrSecret(string text) =>
        text.Contains("139 0013", StringComparison.Ordinal) || text.Contains("13900139", StringComparison.Ordinal)
        || text.Contains("13800138", StringComparison.Ordinal) || text.Contains(Secret, StringComparison.Ordinal);

    /// <summary>One path: what the agent must get and what the admin gets.</summary>
    private sealed record PathCase(string Name, Func<World, Task> Agent, Func<World, Task> Admin);

    private static readonly PathCase[] s_paths =
    [
        new("detail", async w =>
        {
            var c = await OkJsonAsync(w.Agent, $"/api/v1/customers/{w.Customer}");
            Assert.False(c.TryGetProperty("phone", out _));
            Assert.False(c.TryGetProperty("phoneIsValid", out _));
            Assert.False(c.GetProperty("customFields").TryGetProperty("vip_note", out _));
            Assert.Equal("Shanghai", c.GetProperty("city").GetString());
            Assert.False(HasPhoneOrSecret(c.GetRawText()));
        }, async w =>
        {
            var c = await OkJsonAsync(w.Admin, $"/api/v1/customers/{w.Customer}");
            Assert.Equal("+" + PhoneDigits, c.GetProperty("phone").GetString());
            Assert.Equal(Secret, c.GetProperty("customFields").GetProperty("vip_note").GetString());
        }),
        new("list", async w =>
        {
            var page = await OkJsonAsync(w.Agent, "/api/v1/customers");
            Assert.Equal(2, page.GetProperty("total").GetInt64());
            foreach (var item in page.GetProperty("items").EnumerateArray()) Assert.False(item.TryGetProperty("phone", out _));
            Assert.False(HasPhoneOrSecret(page.GetRawText()));
        }, async w =>
        {
            var page = await OkJsonAsync(w.Admin, "/api/v1/customers");
            Assert.Contains(page.GetProperty("items").EnumerateArray(), i => i.GetProperty("phone").GetString() == "+" + PhoneDigits);
        }),
        new("search by the hidden value", async w =>
        {
            Assert.Equal(0, (await OkJsonAsync(w.Agent, Url("/api/v1/customers", ("q", Phone)))).GetProperty("total").GetInt64());
            Assert.Equal(0, (await OkJsonAsync(w.Agent, Url("/api/v1/customers", ("q", "0013 9000")))).GetProperty("total").GetInt64());
            Assert.Equal(1, (await OkJsonAsync(w.Agent, Url("/api/v1/customers", ("q", "wang")))).GetProperty("total").GetInt64());
        }, async w =>
        {
            Assert.Equal(1, (await OkJsonAsync(w.Admin, Url("/api/v1/customers", ("q", Phone)))).GetProperty("total").GetInt64());
        }),
        new("filter", async w =>
        {
            var unknown = await RefusalAsync(await w.Agent.GetAsync(Url("/api/v1/customers", ("filter", "nosuch startswith \"+86\"")), Ct), "nosuch");
            Assert.Equal(unknown, await RefusalAsync(await w.Agent.GetAsync(Url("/api/v1/customers", ("filter", "phone startswith \"+86\"")), Ct), "phone"));
            Assert.Equal(unknown, await RefusalAsync(await w.Agent.GetAsync(Url("/api/v1/customers", ("filter", "phoneIsValid startswith \"+86\"")), Ct), "phoneIsValid"));
            var noCustom = await RefusalAsync(await w.Agent.GetAsync(Url("/api/v1/customers", ("filter", "cf.nosuch eq \"x\"")), Ct), "nosuch");
            Assert.Equal(noCustom, await RefusalAsync(await w.Agent.GetAsync(Url("/api/v1/customers", ("filter", $"cf.vip_note eq \"{Secret}\"")), Ct), "vip_note"));
            // A read-only field is still the agent's to filter on.
            Assert.Equal(1, (await OkJsonAsync(w.Agent, Url("/api/v1/customers", ("filter", "city eq Shanghai")))).GetProperty("total").GetInt64());
        }, async w =>
        {
            Assert.Equal(1, (await OkJsonAsync(w.Admin, Url("/api/v1/customers", ("filter", "phone startswith \"+86\"")))).GetProperty("total").GetInt64());
            Assert.Equal(1, (await OkJsonAsync(w.Admin, Url("/api/v1/customers", ("filter", $"cf.vip_note eq \"{Secret}\"")))).GetProperty("total").GetInt64());
        }),
        new("sort", async w =>
        {
            var unknown = await RefusalAsync(await w.Agent.GetAsync(Url("/api/v1/customers", ("sort", "cf.nosuch")), Ct), "nosuch");
            Assert.Equal(unknown, await RefusalAsync(await w.Agent.GetAsync(Url("/api/v1/customers", ("sort", "-cf.vip_note")), Ct), "vip_note"));
            var notSortable = await RefusalAsync(await w.Agent.GetAsync(Url("/api/v1/customers", ("sort", "nosuch")), Ct), "nosuch");
            Assert.Equal(notSortable, await RefusalAsync(await w.Agent.GetAsync(Url("/api/v1/customers", ("sort", "phone")), Ct), "phone"));
        }, async w =>
        {
            Assert.Equal(2, (await OkJsonAsync(w.Admin, Url("/api/v1/customers", ("sort", "-cf.vip_note")))).GetProperty("total").GetInt64());
        }),
        new("count", async w =>
        {
            var response = await w.Agent.PostJsonAsync("/api/v1/segments/count", new { filter = "phone notnull" });
            var unknown = await w.Agent.PostJsonAsync("/api/v1/segments/count", new { filter = "nosuch notnull" });
            Assert.Equal(await RefusalAsync(unknown, "nosuch"), await RefusalAsync(response, "phone"));
        }, async w =>
        {
            var response = await w.Admin.PostJsonAsync("/api/v1/segments/count", new { filter = "phone notnull" });
            Assert.Equal(1, (await response.JsonAsync()).GetProperty("count").GetInt64());
        }),
        new("export csv", async w =>
        {
            var file = await (await w.Agent.GetAsync("/api/v1/customers/export?sort=name", Ct)).Content.ReadAsByteArrayAsync(Ct);
            var rows = ExportApiTests.Csv(file);
            Assert.DoesNotContain("phone", rows[0]);
            Assert.DoesNotContain("customFields.vip_note", rows[0]);
            Assert.Contains("city", rows[0]);
            Assert.Equal(3, rows.Count);
            Assert.False(HasPhoneOrSecret(Encoding.UTF8.GetString(file)));
            var unknown = await RefusalAsync(await w.Agent.GetAsync("/api/v1/customers/export?columns=name,nosuch", Ct), "nosuch");
            Assert.Equal(unknown, await RefusalAsync(await w.Agent.GetAsync("/api/v1/customers/export?columns=name,phone", Ct), "phone"));
            Assert.Equal(HttpStatusCode.BadRequest, (await w.Agent.GetAsync(Url("/api/v1/customers/export", ("filter", "phone notnull")), Ct)).StatusCode);
        }, async w =>
        {
            var rows = ExportApiTests.Csv(await (await w.Admin.GetAsync("/api/v1/customers/export?sort=name", Ct)).Content.ReadAsByteArrayAsync(Ct));
            Assert.Contains("phone", rows[0]);
            Assert.Contains("customFields.vip_note", rows[0]);
        }),
        new("export xlsx", async w =>
        {
            var file = await (await w.Agent.GetAsync("/api/v1/customers/export?format=xlsx", Ct)).Content.ReadAsByteArrayAsync(Ct);
            var cells = Xlsx(file);
            Assert.DoesNotContain("phone", cells[0]);
            Assert.DoesNotContain("customFields.vip_note", cells[0]);
            Assert.DoesNotContain(cells.SelectMany(r => r), HasPhoneOrSecret);
        }, async w =>
        {
            var cells = Xlsx(await (await w.Admin.GetAsync("/api/v1/customers/export?format=xlsx", Ct)).Content.ReadAsByteArrayAsync(Ct));
            Assert.Contains("phone", cells[0]);
        }),
        new("history", async w =>
        {
            var history = await OkJsonAsync(w.Agent, $"/api/v1/customers/{w.Customer}/history");
            Assert.NotEmpty(history.EnumerateArray());
            Assert.DoesNotContain(history.EnumerateArray(), e => e.GetProperty("field").GetString() is "phone" or "customFields.vip_note");
            Assert.False(HasPhoneOrSecret(history.GetRawText()));
        }, async w =>
        {
            var history = await OkJsonAsync(w.Admin, $"/api/v1/customers/{w.Customer}/history");
            Assert.Contains(history.EnumerateArray(), e => e.GetProperty("field").GetString() == "phone");
        }),
        new("timeline", async w =>
        {
            var timeline = await OkJsonAsync(w.Agent, $"/api/v1/customers/{w.Customer}/timeline?type=change");
            Assert.NotEmpty(timeline.GetProperty("items").EnumerateArray());
            Assert.False(HasPhoneOrSecret(timeline.GetRawText()));
            var found = await OkJsonAsync(w.Agent, $"/api/v1/customers/{w.Customer}/timeline?q=0013");
            Assert.Empty(found.GetProperty("items").EnumerateArray());
        }, async w =>
        {
            var found = await OkJsonAsync(w.Admin, $"/api/v1/customers/{w.Customer}/timeline?q=0013");
            Assert.NotEmpty(found.GetProperty("items").EnumerateArray());
        }),
        new("custom field definitions", async w =>
        {
            var fields = await OkJsonAsync(w.Agent, "/api/v1/custom-fields?entity=customer");
            Assert.DoesNotContain(fields.EnumerateArray(), f => f.GetProperty("key").GetString() == "vip_note");
        }, async w =>
        {
            var fields = await OkJsonAsync(w.Admin, "/api/v1/custom-fields?entity=customer");
            Assert.Contains(fields.EnumerateArray(), f => f.GetProperty("key").GetString() == "vip_note");
        }),
    ];

    private static List<string[]> Xlsx(byte[] file)
    {
        using var stream = new MemoryStream(file);
        return MiniExcel.Query(stream, useHeaderRow: false, excelType: ExcelType.XLSX).Cast<IDictionary<string, object?>>()
            .Select(r => r.Values.Select(v => v?.ToString() ?? "").ToArray()).ToList();
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task AHiddenFieldIsAbsentFromEveryReadPathForTheRoleAndPresentForAnAdmin(DatabaseProvider provider)
    {
        var w = await StartAsync(provider);
        await using var host = w.Host;
        var failures = new List<string>();
        foreach (var path in s_paths)
        {
            foreach (var (who, check) in new[] { ("agent", path.Agent), ("admin", path.Admin) })
            {
                try { await check(w); }
                catch (Exception e) when (e is Xunit.Sdk.XunitException or InvalidOperationException or KeyNotFoundException)
                {
                    failures.Add($"{path.Name} ({who}): {e.Message}");
                }
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    /// <summary>Writes the agent may not make: the body, and the field the 400 must name.</summary>
    private static readonly (string Body, string Field)[] s_writes =
    [
        ("""{"phone":"+1 415 555 0100"}""", "phone"),
        ("""{"customFields":{"vip_note":"overwritten"}}""", "customFields.vip_note"),
        ("""{"city":"Beijing"}""", "city"),
        ("""{"name":"Wang Fang 2","phone":null}""", "phone"),
    ];

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task AWriteOfAHiddenOrReadOnlyFieldIsA400NamingItAndChangesNothing(DatabaseProvider provider)
    {
        var w = await StartAsync(provider);
        await using var host = w.Host;
        foreach (var (body, field) in s_writes)
        {
            var before = await SnapshotAsync(host);
            var patch = await w.Agent.PatchAsync($"/api/v1/customers/{w.Customer}",
                new StringContent(body, Encoding.UTF8, "application/merge-patch+json"), Ct);
            Assert.Equal(HttpStatusCode.BadRequest, patch.StatusCode);
            Assert.True((await patch.JsonAsync()).GetProperty("errors").TryGetProperty(field, out _), await patch.Content.ReadAsStringAsync(Ct));
            Assert.Equal(before, await SnapshotAsync(host));

            var node = System.Text.Json.Nodes.JsonNode.Parse(body)!.AsObject();
            node["name"] = "Created by the agent";
            var post = await w.Agent.PostAsync("/api/v1/customers", new StringContent(node.ToJsonString(), Encoding.UTF8, "application/json"), Ct);
            if (body.Contains("null", StringComparison.Ordinal))
                Assert.Equal(HttpStatusCode.Created, post.StatusCode); // an explicit null sets nothing
            else
            {
                Assert.Equal(HttpStatusCode.BadRequest, post.StatusCode);
                Assert.True((await post.JsonAsync()).GetProperty("errors").TryGetProperty(field, out _), await post.Content.ReadAsStringAsync(Ct));
                Assert.Equal(before, await SnapshotAsync(host));
            }
        }

        // The admin may write them all.
        foreach (var (body, _) in s_writes)
            Assert.Equal(HttpStatusCode.OK, (await w.Admin.PatchAsync($"/api/v1/customers/{w.Customer}",
                new StringContent(body, Encoding.UTF8, "application/merge-patch+json"), Ct)).StatusCode);
        var customer = await OkJsonAsync(w.Admin, $"/api/v1/customers/{w.Customer}");
        Assert.Equal(("Beijing", "overwritten"), (customer.GetProperty("city").GetString(), customer.GetProperty("customFields").GetProperty("vip_note").GetString()));
    }

    private static async Task<string> SnapshotAsync(KithTestHost host)
    {
        await using var db = host.OpenDb();
        var rows = await db.Customers.AsNoTracking().OrderBy(c => c.Id)
            .Select(c => new { c.Id, c.Name, c.Phone, c.City, c.CustomFields, c.Version }).ToListAsync(Ct);
        var changes = await db.RecordChanges.CountAsync(Ct);
        return JsonSerializer.Serialize(rows) + changes;
    }

    [Fact]
    public async Task TheAdminRoleCannotBeRestrictedAndUnknownFieldsAreRefused()
    {
        await using var host = await KithTestHost.StartAsync();
        var (_, admin) = await host.UserWithClientAsync(Role.Admin);
        var (_, agent) = await host.UserWithClientAsync(Role.Agent);
        var self = await admin.PutAsJsonAsync("/api/v1/roles/admin/fields", new[] { new { entity = "customer", field = "phone", restriction = "hidden" } }, KithTestHost.Json, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, self.StatusCode);
        var unknown = await admin.PutAsJsonAsync("/api/v1/roles/agent/fields", new[] { new { entity = "customer", field = "cf.nosuch", restriction = "hidden" } }, KithTestHost.Json, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        var name = await admin.PutAsJsonAsync("/api/v1/roles/agent/fields", new[] { new { entity = "customer", field = "name", restriction = "hidden" } }, KithTestHost.Json, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, name.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await agent.GetAsync("/api/v1/roles/agent/fields", Ct)).StatusCode);
        var ok = await admin.PutAsJsonAsync("/api/v1/roles/viewer/fields", new[] { new { entity = "company", field = "Phone", restriction = "readOnly" } }, KithTestHost.Json, Ct);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var stored = await (await admin.GetAsync("/api/v1/roles/viewer/fields", Ct)).JsonAsync();
        Assert.Equal("""[{"entity":"company","field":"phone","restriction":"readOnly"}]""", stored.GetRawText());
    }
}
