using System.Net;
using System.Text;
using System.Text.Json;
using Kith.Core.Audit;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Tests.Identity;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Tests.Audit;

public sealed class AuditApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task SignInsRecordChangesExportsAndTokensLandInTheTrailWithWhoAndWhat(DatabaseProvider provider)
    {
        await using var host = await KithTestHost.StartAsync(provider);
        var (adminId, admin) = await host.UserWithClientAsync(Role.Admin, "boss@example.com");
        var adminToken = await TokenIdAsync(host, adminId);

        // A failed sign-in: who tried (as typed), from where; never the password.
        var failed = await CookieSessions.SubmitLoginAsync(host.Browser(), "Boss@Example.com", "not the password");
        Assert.Equal(HttpStatusCode.OK, failed.StatusCode);

        // A customer changed through the API: one entry with each field's old and new value.
        var created = await (await admin.PostJsonAsync("/api/v1/customers", new { name = "Chen Jing", city = "Beijing" })).JsonAsync();
        var id = created.GetProperty("id").GetInt64();
        var patch = new HttpRequestMessage(HttpMethod.Patch, $"/api/v1/customers/{id}")
        {
            Content = new StringContent("""{"city":"杭州","stage":"customer"}""", Encoding.UTF8, "application/merge-patch+json"),
        };
        patch.Headers.TryAddWithoutValidation("If-Match", "\"1\"");
        Assert.Equal(HttpStatusCode.OK, (await admin.SendAsync(patch, Ct)).StatusCode);

        // An export: which filter, how many rows.
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/v1/customers/export?filter=city%20eq%20%E6%9D%AD%E5%B7%9E", Ct)).StatusCode);

        // A token created through the API.
        var token = await (await admin.PostJsonAsync("/api/v1/tokens", new { name = "nightly sync" })).JsonAsync();

        await using var db = host.OpenDb();
        var entries = await db.AuditEntries.AsNoTracking().OrderBy(e => e.Sequence).ToListAsync(Ct);

        var signIn = Assert.Single(entries, e => e.Action == AuditActions.SignInFailed);
        Assert.Equal(("boss@example.com", "127.0.0.1", (long?)null), (signIn.ActorEmail, signIn.ClientAddress, signIn.ActorUserId));
        Assert.DoesNotContain("not the password", signIn.Details);

        var update = Assert.Single(entries, e => e.Action == AuditActions.RecordUpdated);
        Assert.Equal(("customer", id.ToString(System.Globalization.CultureInfo.InvariantCulture)), (update.TargetType, update.TargetId));
        Assert.Equal((ActorKind.Api, adminId, "boss@example.com", adminToken), (update.ActorKind, update.ActorUserId, update.ActorEmail, update.ActorTokenId));
        // Sealed with the customer's own key (so erasing them can shred it), opened with that key.
        Assert.True(AuditSealedDetails.IsSealed(update.Details));
        Assert.DoesNotContain("Beijing", update.Details);
        var key = await db.AuditSubjectKeys.AsNoTracking().SingleAsync(k => k.TargetType == "customer" && k.TargetId == update.TargetId, Ct);
        var changes = JsonDocument.Parse(AuditSealedDetails.Open(key.Key, update.Details!)).RootElement.GetProperty("changes").EnumerateArray()
            .ToDictionary(c => c.GetProperty("field").GetString()!, c => (c.GetProperty("old").GetString(), c.GetProperty("new").GetString()));
        Assert.Equal(("Beijing", "杭州"), changes["city"]);
        Assert.Equal(("lead", "customer"), changes["stage"]);
        Assert.Single(entries, e => e.Action == AuditActions.RecordCreated && e.TargetId == update.TargetId);

        var export = Assert.Single(entries, e => e.Action == AuditActions.Export);
        var exported = JsonDocument.Parse(export.Details!).RootElement;
        Assert.Equal(("customers", "city eq 杭州", 1), (export.TargetType, exported.GetProperty("filter").GetString(), exported.GetProperty("rows").GetInt32()));
        Assert.Equal("127.0.0.1", export.ClientAddress);

        var tokenEntry = Assert.Single(entries, e => e.Action == AuditActions.TokenCreated && e.ActorKind == ActorKind.Api);
        Assert.Equal(token.GetProperty("id").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture), tokenEntry.TargetId);
        Assert.Equal("nightly sync", JsonDocument.Parse(tokenEntry.Details!).RootElement.GetProperty("name").GetString());
        Assert.DoesNotContain(token.GetProperty("token").GetString()!, tokenEntry.Details);

        var verify = await (await admin.PostAsync("/api/v1/audit/verify", null, Ct)).JsonAsync();
        Assert.True(verify.GetProperty("intact").GetBoolean());
        Assert.Equal(entries.Count, verify.GetProperty("checked").GetInt32());
    }

    [Fact]
    public async Task AnAdminSearchesByActorActionTargetAndTimePageByPage()
    {
        await using var host = await KithTestHost.StartAsync();
        var (adminId, admin) = await host.UserWithClientAsync(Role.Admin, "boss@example.com");
        var agentId = await host.CreateUserAsync("ann@example.com", Role.Agent);
        await CookieSessions.SubmitLoginAsync(host.Browser(), "ann@example.com", "wrong guess one");
        await CookieSessions.SubmitLoginAsync(host.Browser(), "ann@example.com", "wrong guess two");
        await host.SignedInClientAsync("ann@example.com");
        var patch = new HttpRequestMessage(HttpMethod.Patch, $"/api/v1/users/{agentId}")
        {
            Content = new StringContent("""{"role":"manager"}""", Encoding.UTF8, "application/json"),
        };
        Assert.Equal(HttpStatusCode.OK, (await admin.SendAsync(patch, Ct)).StatusCode);

        var signIns = await SearchAsync(admin, "action=signin");
        Assert.Equal(["signin.succeeded", "signin.failed", "signin.failed"], Actions(signIns));
        Assert.Equal(["signin.failed", "signin.failed"], Actions(await SearchAsync(admin, "action=signin.failed")));
        var roleChange = Assert.Single(Items(await SearchAsync(admin, $"target=user:{agentId}&action=role.changed")));
        Assert.Equal(adminId, roleChange.GetProperty("actor").GetProperty("userId").GetInt64());
        Assert.Contains("\"new\":\"manager\"", roleChange.GetProperty("details").GetString());
        Assert.Equal(["role.changed"], Actions(await SearchAsync(admin, "actor=boss@example.com&action=role")));
        Assert.Empty(Items(await SearchAsync(admin, "to=2020-01-01")));
        Assert.Equal(4, Items(await SearchAsync(admin, $"from={DateTime.UtcNow:yyyy-MM-dd}&target=user")).Count);

        var first = await SearchAsync(admin, "action=signin&limit=2");
        Assert.Equal(["signin.succeeded", "signin.failed"], Actions(first));
        var next = first.GetProperty("nextCursor").GetString();
        var second = await SearchAsync(admin, $"action=signin&limit=2&cursor={Uri.EscapeDataString(next!)}");
        Assert.Equal(["signin.failed"], Actions(second));
        Assert.Equal(JsonValueKind.Null, second.GetProperty("nextCursor").ValueKind);

        var bad = await admin.GetAsync("/api/v1/audit?from=yesterday", Ct);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("from", (await bad.JsonAsync()).GetProperty("errors").EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task OnlyAdministratorsReachTheTrailAndNothingInItChangesWhenOthersTry()
    {
        await using var host = await KithTestHost.StartAsync();
        var (_, admin) = await host.UserWithClientAsync(Role.Admin);
        var (_, manager) = await host.UserWithClientAsync(Role.Manager);
        var (_, agent) = await host.UserWithClientAsync(Role.Agent);
        int before;
        await using (var db = host.OpenDb()) before = await db.AuditEntries.CountAsync(Ct);

        foreach (var client in new[] { agent, manager })
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/api/v1/audit", Ct)).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/api/v1/audit/export", Ct)).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsync("/api/v1/audit/verify", null, Ct)).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await client.PutAsync("/api/v1/audit/retention",
                new StringContent("""{"retentionDays":1}""", Encoding.UTF8, "application/json"), Ct)).StatusCode);
        }
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.AnonymousClient().GetAsync("/api/v1/audit", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/v1/audit", Ct)).StatusCode);
        // No route changes or removes an entry.
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await admin.DeleteAsync("/api/v1/audit", Ct)).StatusCode);

        await using (var db = host.OpenDb())
        {
            Assert.Equal(before, await db.AuditEntries.CountAsync(Ct));
            Assert.Equal(AuditRetention.DefaultDays, await new AuditRetention(db).DaysAsync(Ct));
        }
    }

    [Fact]
    public async Task TheCsvExportNeutralisesFormulasAndTheRetentionSettingIsAuditedToo()
    {
        await using var host = await KithTestHost.StartAsync();
        var (_, admin) = await host.UserWithClientAsync(Role.Admin);
        await CookieSessions.SubmitLoginAsync(host.Browser(), "=1+2@example.com", "a guess at a password");
        var put = await admin.PutAsync("/api/v1/audit/retention", new StringContent("""{"retentionDays":90}""", Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(90, (await put.JsonAsync()).GetProperty("retentionDays").GetInt32());
        var tooLong = await admin.PutAsync("/api/v1/audit/retention", new StringContent("""{"retentionDays":0}""", Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);

        var response = await admin.GetAsync("/api/v1/audit/export?action=signin", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("audit-", response.Content.Headers.ContentDisposition?.FileName);
        var csv = await response.Content.ReadAsStringAsync(Ct);
        var lines = csv.TrimStart('\uFEFF').Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("sequence,at,actorKind,actorUserId,actorEmail", lines[0]);
        Assert.Equal(2, lines.Length);
        Assert.Contains(",'=1+2@example.com,", lines[1]);
        Assert.DoesNotContain(",=1+2@example.com,", csv);

        var settings = Items(await SearchAsync(admin, "action=settings.changed"));
        Assert.Contains("\"new\":90", Assert.Single(settings).GetProperty("details").GetString());
    }

    private static async Task<long> TokenIdAsync(KithTestHost host, long userId)
    {
        await using var db = host.OpenDb();
        return await db.ApiTokens.Where(t => t.UserId == userId).Select(t => t.Id).SingleAsync(Ct);
    }

    private static async Task<JsonElement> SearchAsync(HttpClient admin, string query)
    {
        var response = await admin.GetAsync("/api/v1/audit?" + query, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.JsonAsync();
    }

    private static List<JsonElement> Items(JsonElement page) => page.GetProperty("items").EnumerateArray().ToList();

    private static List<string> Actions(JsonElement page) => Items(page).Select(i => i.GetProperty("action").GetString()!).ToList();
}
