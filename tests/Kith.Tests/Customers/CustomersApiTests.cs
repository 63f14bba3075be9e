using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Kith.Core.Identity;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Tests.Customers;

public sealed class CustomersApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static HttpRequestMessage Json(HttpMethod method, string url, string json, string? ifMatch = null, string type = "application/json")
    {
        var request = new HttpRequestMessage(method, url) { Content = new StringContent(json, Encoding.UTF8, type) };
        if (ifMatch is not null) request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        return request;
    }

    private static async Task<JsonElement> CreateAsync(HttpClient client, object body)
    {
        var response = await client.PostJsonAsync("/api/v1/customers", body);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.JsonAsync();
    }

    private static async Task<int> CountAsync(KithTestHost host)
    {
        await using var db = host.OpenDb();
        return await db.Customers.CountAsync(Ct);
    }

    [Fact]
    public async Task ACustomerIsCreatedReadPatchedDeletedAndRestoredWithETagsAndHistory()
    {
        await using var host = await KithTestHost.StartAsync();
        var (userId, client) = await host.UserWithClientAsync(Role.Agent);

        var created = await client.PostJsonAsync("/api/v1/customers", new { name = "陈静", email = " Chen.Jing@Example.com ", phone = "13800138000", stage = "prospect", tags = new[] { "vip" }, externalId = "ERP-7" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.JsonAsync();
        var id = body.GetProperty("id").GetInt64();
        Assert.Equal($"/api/v1/customers/{id}", created.Headers.Location?.OriginalString);
        Assert.Equal("\"1\"", created.Headers.ETag?.Tag);
        Assert.Equal("chen.jing@example.com", body.GetProperty("email").GetString());
        Assert.Equal("+8613800138000", body.GetProperty("phone").GetString());
        Assert.Equal("prospect", body.GetProperty("stage").GetString());
        Assert.Equal(userId, body.GetProperty("ownerId").GetInt64());
        Assert.Equal("api", body.GetProperty("createdBy").GetProperty("kind").GetString());
        foreach (var field in new[] { "externalId", "age", "gender", "city", "signupDate", "companyId", "tags", "customFields", "createdAt", "updatedAt" })
            Assert.True(body.TryGetProperty(field, out _), field);

        var get = await client.GetAsync($"/api/v1/customers/{id}", Ct);
        Assert.Equal("\"1\"", get.Headers.ETag?.Tag);
        var byExternal = await client.GetAsync("/api/v1/customers/by-external-id/ERP-7", Ct);
        Assert.Equal(id, (await byExternal.JsonAsync()).GetProperty("id").GetInt64());
        Assert.NotNull(byExternal.Headers.ETag);

        var patched = await client.SendAsync(Json(HttpMethod.Patch, $"/api/v1/customers/{id}", """{"city":"杭州","stage":"customer"}""", "\"1\"", "application/merge-patch+json"), Ct);
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        Assert.Equal("\"2\"", patched.Headers.ETag?.Tag);
        Assert.Equal("杭州", (await patched.JsonAsync()).GetProperty("city").GetString());

        var stale = await client.SendAsync(Json(HttpMethod.Patch, $"/api/v1/customers/{id}", """{"city":"Old"}""", "\"1\""), Ct);
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
        Assert.Equal("application/problem+json", stale.Content.Headers.ContentType?.MediaType);
        var staleDelete = new HttpRequestMessage(HttpMethod.Delete, $"/api/v1/customers/{id}");
        staleDelete.Headers.TryAddWithoutValidation("If-Match", "\"1\"");
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await client.SendAsync(staleDelete, Ct)).StatusCode);

        var history = await (await client.GetAsync($"/api/v1/customers/{id}/history", Ct)).JsonAsync();
        Assert.Contains(history.EnumerateArray(), h => h.GetProperty("field").GetString() == "city" && h.GetProperty("newValue").GetString() == "杭州");

        var delete = new HttpRequestMessage(HttpMethod.Delete, $"/api/v1/customers/{id}");
        delete.Headers.TryAddWithoutValidation("If-Match", "\"2\"");
        Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(delete, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/v1/customers/{id}", Ct)).StatusCode);
        var bin = await (await client.GetAsync("/api/v1/customers/deleted", Ct)).JsonAsync();
        Assert.Equal(id, Assert.Single(bin.EnumerateArray()).GetProperty("id").GetInt64());

        var restored = await client.PostAsync($"/api/v1/customers/{id}/restore", null, Ct);
        Assert.Equal(HttpStatusCode.OK, restored.StatusCode);
        Assert.Equal("\"4\"", restored.Headers.ETag?.Tag);
        var list = await (await client.GetAsync("/api/v1/customers?q=陈&limit=10", Ct)).JsonAsync();
        Assert.Equal(1, list.GetProperty("total").GetInt64());
        Assert.False(list.GetProperty("totalIsEstimate").GetBoolean());
        Assert.Equal(JsonValueKind.Null, list.GetProperty("nextCursor").ValueKind);
    }

    [Fact]
    public async Task AnotherOwnersCustomerIsNotFoundOnEveryPathForAnAgentOutsideTheTeamButVisibleToATeammateAndAnAdmin()
    {
        await using var host = await KithTestHost.StartAsync();
        var (ownerId, owner) = await host.UserWithClientAsync(Role.Agent);
        var (mateId, mate) = await host.UserWithClientAsync(Role.Agent);
        var (_, outsider) = await host.UserWithClientAsync(Role.Agent);
        var (_, admin) = await host.UserWithClientAsync(Role.Admin);
        await host.AddToTeamAsync("east", ownerId, mateId);
        var id = (await CreateAsync(owner, new { name = "Secret Client", externalId = "S-1" })).GetProperty("id").GetInt64();
        var deletedId = (await CreateAsync(owner, new { name = "Secret Deleted" })).GetProperty("id").GetInt64();
        Assert.Equal(HttpStatusCode.NoContent, (await owner.DeleteAsync($"/api/v1/customers/{deletedId}", Ct)).StatusCode);

        var paths = new (HttpMethod, string, string?)[]
        {
            (HttpMethod.Get, $"/api/v1/customers/{id}", null),
            (HttpMethod.Patch, $"/api/v1/customers/{id}", """{"city":"X"}"""),
            (HttpMethod.Delete, $"/api/v1/customers/{id}", null),
            (HttpMethod.Get, $"/api/v1/customers/{id}/history", null),
            (HttpMethod.Get, "/api/v1/customers/by-external-id/S-1", null),
            (HttpMethod.Post, $"/api/v1/customers/{deletedId}/restore", null),
        };
        foreach (var (method, url, json) in paths)
        {
            var request = json is null ? new HttpRequestMessage(method, url) : Json(method, url, json);
            var response = await outsider.SendAsync(request, Ct);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{method} {url}: {response.StatusCode}");
        }
        foreach (var url in new[] { "/api/v1/customers", "/api/v1/customers?q=secret", "/api/v1/customers?filter=name%20eq%20%22Secret%20Client%22" })
        {
            var list = await (await outsider.GetAsync(url, Ct)).JsonAsync();
            Assert.Equal(0, list.GetProperty("total").GetInt64());
            Assert.Empty(list.GetProperty("items").EnumerateArray());
        }
        Assert.Empty((await (await outsider.GetAsync("/api/v1/customers/deleted", Ct)).JsonAsync()).EnumerateArray());

        foreach (var reader in new[] { mate, admin })
        {
            Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync($"/api/v1/customers/{id}", Ct)).StatusCode);
            var list = await (await reader.GetAsync("/api/v1/customers?q=secret", Ct)).JsonAsync();
            Assert.Equal(1, list.GetProperty("total").GetInt64());
        }
        Assert.Equal(HttpStatusCode.OK, (await mate.SendAsync(Json(HttpMethod.Patch, $"/api/v1/customers/{id}", """{"city":"Teamtown"}"""), Ct)).StatusCode);
    }

    [Fact]
    public async Task AViewerReadsButCannotWrite()
    {
        await using var host = await KithTestHost.StartAsync();
        var (ownerId, owner) = await host.UserWithClientAsync(Role.Agent);
        var (viewerId, viewer) = await host.UserWithClientAsync(Role.Viewer);
        await host.AddToTeamAsync("t", ownerId, viewerId);
        var id = (await CreateAsync(owner, new { name = "Read Only" })).GetProperty("id").GetInt64();

        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync($"/api/v1/customers/{id}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostJsonAsync("/api/v1/customers", new { name = "Mine" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.SendAsync(Json(HttpMethod.Patch, $"/api/v1/customers/{id}", """{"city":"X"}"""), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.DeleteAsync($"/api/v1/customers/{id}", Ct)).StatusCode);
        Assert.Equal(1, await CountAsync(host));
    }

    [Fact]
    public async Task BadBodiesAre400sThatNameTheFieldAndStoreNothing()
    {
        await using var host = await KithTestHost.StartAsync();
        var (_, client) = await host.UserWithClientAsync(Role.Agent);
        var cases = new (string Json, string Field)[]
        {
            ($$"""{"name":"{{new string('x', 201)}}"}""", "name"),
            ("""{"name":""}""", "name"),
            ("""{"name":123}""", "name"),
            ("""{"name":"A","age":"old"}""", "age"),
            ("""{"name":"A","age":151}""", "age"),
            ("""{"name":"A","stage":"king"}""", "stage"),
            ("""{"name":"A","tags":"vip"}""", "tags"),
            ("""{"name":"A","nickname":"x"}""", "nickname"),
            ("""{"name":"A","id":5}""", "id"),
            ("""{"name":"A","createdAt":"2020-01-01T00:00:00Z"}""", "createdAt"),
            ("""{"name":"A","email":"no-at-sign"}""", "email"),
            ("""{"name":"A","email":"a@b"}""", "email"),
            ("""{"name":"A","phone":"call me"}""", "phone"),
            ($$"""{"name":"A","city":"{{new string('c', 101)}}"}""", "city"),
            ("""{"name":"A","birthDate":"yesterday"}""", "birthDate"),
            ("""{"name":"A","customFields":{"tier":"gold"}}""", "customFields.tier"),
            ("""{"name":"A","companyId":99999}""", "companyId"),
            ("""{"name":"A",""", "body"),
            ("""[1,2]""", "body"),
        };
        foreach (var (json, field) in cases)
        {
            var response = await client.SendAsync(Json(HttpMethod.Post, "/api/v1/customers", json), Ct);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{json}: {response.StatusCode}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = await response.JsonAsync();
            var errors = problem.TryGetProperty("errors", out var e) ? e.EnumerateObject().Select(p => p.Name).ToList() : [];
            Assert.True(errors.Contains(field, StringComparer.OrdinalIgnoreCase) || (field == "body" && problem.GetProperty("detail").GetString()!.Length > 0),
                $"{json}: expected an error on {field}, got {problem}");
        }
        Assert.Equal(HttpStatusCode.UnsupportedMediaType,
            (await client.PostAsync("/api/v1/customers", new StringContent("name=A", Encoding.UTF8, "application/x-www-form-urlencoded"), Ct)).StatusCode);
        Assert.Equal(0, await CountAsync(host));
    }

    [Fact]
    public async Task APatchThatSetsFieldsKithOwnsOrAnotherOwnerIsRefusedAndChangesNothing()
    {
        await using var host = await KithTestHost.StartAsync();
        var (_, agent) = await host.UserWithClientAsync(Role.Agent);
        var (otherId, _) = await host.UserWithClientAsync(Role.Agent);
        var (_, manager) = await host.UserWithClientAsync(Role.Manager);
        var id = (await CreateAsync(agent, new { name = "Fixed" })).GetProperty("id").GetInt64();

        foreach (var json in new[] { """{"id":9}""", """{"version":9}""", """{"createdAt":"2020-01-01T00:00:00Z"}""", """{"name":null}""", """{"phone":"abc"}""", """{"age":"x"}""", """[]""" })
            Assert.Equal(HttpStatusCode.BadRequest, (await agent.SendAsync(Json(HttpMethod.Patch, $"/api/v1/customers/{id}", json), Ct)).StatusCode);
        var assign = await agent.SendAsync(Json(HttpMethod.Patch, $"/api/v1/customers/{id}", $$"""{"ownerId":{{otherId}}}"""), Ct);
        Assert.Equal(HttpStatusCode.Forbidden, assign.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await agent.SendAsync(Json(HttpMethod.Patch, $"/api/v1/customers/{id}", "{}", "garbage"), Ct)).StatusCode);
        var after = await (await agent.GetAsync($"/api/v1/customers/{id}", Ct)).JsonAsync();
        Assert.Equal(1, after.GetProperty("version").GetInt32());
        Assert.Equal("Fixed", after.GetProperty("name").GetString());

        var managed = await manager.PostJsonAsync("/api/v1/customers", new { name = "Assigned", ownerId = otherId });
        Assert.Equal(otherId, (await managed.JsonAsync()).GetProperty("ownerId").GetInt64());
    }

    [Fact]
    public async Task ListParametersThatAreNotValidAre400sEvenWithSqlInThem()
    {
        await using var host = await KithTestHost.StartAsync();
        var (_, client) = await host.UserWithClientAsync(Role.Admin);
        for (var i = 0; i < 3; i++) await CreateAsync(client, new { name = $"Row {i}" });
        var first = await (await client.GetAsync("/api/v1/customers?limit=2&sort=name", Ct)).JsonAsync();
        var cursor = first.GetProperty("nextCursor").GetString()!;

        var bad = new (string Query, string Field)[]
        {
            ("limit=0", "limit"), ("limit=1001", "limit"), ("limit=100000", "limit"), ("limit=abc", "limit"), ("limit=-5", "limit"),
            ("cursor=not-a-cursor", "cursor"), ($"cursor={cursor}&sort=-name", "cursor"), ($"cursor={cursor[..^2]}", "cursor"),
            ("filter=" + Uri.EscapeDataString("name eq 'x'; DROP TABLE customers--"), "filter"),
            ("filter=" + Uri.EscapeDataString("name eq \"x\" or 1=1"), "filter"),
            ("filter=" + Uri.EscapeDataString("name) OR (1 eq 1"), "filter"),
            ("sort=" + Uri.EscapeDataString("name; DROP TABLE customers"), "sort"),
            ("sort=" + Uri.EscapeDataString("(SELECT 1)"), "sort"),
            ("q=" + new string('a', 201), "q"),
        };
        foreach (var (query, field) in bad)
        {
            var response = await client.GetAsync("/api/v1/customers?" + query, Ct);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{query}: {response.StatusCode}");
            var problem = await response.JsonAsync();
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out var messages), $"{query}: {problem}");
            Assert.False(string.IsNullOrWhiteSpace(messages[0].GetString()));
        }
        var second = await (await client.GetAsync($"/api/v1/customers?limit=2&sort=name&cursor={cursor}", Ct)).JsonAsync();
        Assert.Single(second.GetProperty("items").EnumerateArray());
        Assert.Equal(3, await CountAsync(host));
    }

    [Fact]
    public async Task TheOpenApiDocumentNamesTheCustomerEndpoints()
    {
        await using var host = await KithTestHost.StartAsync();
        var (_, client) = await host.UserWithClientAsync(Role.Agent);
        var doc = await (await client.GetAsync("/openapi/v1.json", Ct)).Content.ReadAsStringAsync(Ct);
        foreach (var name in new[] { "ListCustomers", "CreateCustomer", "PatchCustomer", "GetCustomerByExternalId", "ListCompanies", "CompanyCustomers", "ListCustomFields", "ListSavedViews", "GetSettings" })
            Assert.Contains($"\"{name}\"", doc, StringComparison.Ordinal);
    }
}
