using System.Net;
using System.Text;
using System.Text.Json;
using Kith.Core.Identity;
using Kith.Tests.Infrastructure;

namespace Kith.Tests.Duplicates;

public sealed class DuplicatesApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<JsonElement> CreateAsync(HttpClient client, object body)
    {
        var response = await client.PostJsonAsync("/api/v1/customers", body);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.JsonAsync();
    }

    private static HttpRequestMessage Post(string url, string json, string? ifMatch = null, string type = "application/json")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(json, Encoding.UTF8, type) };
        if (ifMatch is not null) request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        return request;
    }

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return await response.JsonAsync();
    }

    [Fact]
    public async Task AManagerScansTheOpenPairsAreListedAndADismissedPairLeavesTheList()
    {
        await using var host = await KithTestHost.StartAsync();
        var (_, manager) = await host.UserWithClientAsync(Role.Manager);
        var (_, agent) = await host.UserWithClientAsync(Role.Agent);
        var a = await CreateAsync(manager, new { name = "王小明", email = "wxm@example.cn", city = "上海", externalId = "ERP-1" });
        // A second live customer with the same email cannot be created (ADR-0018), but an edit can make one.
        var b = await CreateAsync(manager, new { name = "王小明", email = "wxm@other.example.cn" });
        var shared = new HttpRequestMessage(HttpMethod.Patch, $"/api/v1/customers/{b.GetProperty("id").GetInt64()}")
        {
            Content = new StringContent("{\"email\":\"WXM@example.cn\"}", Encoding.UTF8, "application/merge-patch+json"),
        };
        Assert.Equal(HttpStatusCode.OK, (await manager.SendAsync(shared, Ct)).StatusCode);
        await CreateAsync(manager, new { name = "Emma Schmidt", email = "emma@example.eu" });

        var forbidden = await ProblemAsync(await agent.PostAsync("/api/v1/duplicates/scan", null, Ct), HttpStatusCode.Forbidden);
        Assert.Contains("administrators and managers", forbidden.GetProperty("detail").GetString());

        var scan = await manager.PostAsync("/api/v1/duplicates/scan", null, Ct);
        Assert.Equal(HttpStatusCode.OK, scan.StatusCode);
        var counts = await scan.JsonAsync();
        Assert.Equal(3, counts.GetProperty("scanned").GetInt64());
        Assert.Equal(1, counts.GetProperty("found").GetInt64());
        Assert.Equal(1, counts.GetProperty("added").GetInt64());
        Assert.Equal(1, counts.GetProperty("open").GetInt64());

        var list = await (await manager.GetAsync("/api/v1/duplicates?minScore=0.5&limit=10", Ct)).JsonAsync();
        Assert.Equal(1, list.GetProperty("total").GetInt64());
        Assert.Equal(JsonValueKind.Null, list.GetProperty("nextCursor").ValueKind);
        var item = Assert.Single(list.GetProperty("items").EnumerateArray());
        var id = item.GetProperty("id").GetInt64();
        Assert.True(item.GetProperty("isExact").GetBoolean());
        Assert.True(item.GetProperty("score").GetDouble() >= 0.9);
        Assert.Contains("same email", item.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(a.GetProperty("id").GetInt64(), item.GetProperty("customer").GetProperty("id").GetInt64());
        Assert.Equal("上海", item.GetProperty("customer").GetProperty("city").GetString());
        Assert.Equal("ERP-1", item.GetProperty("customer").GetProperty("externalId").GetString());
        Assert.Equal(b.GetProperty("id").GetInt64(), item.GetProperty("other").GetProperty("id").GetInt64());
        Assert.Equal("wxm@example.cn", item.GetProperty("other").GetProperty("email").GetString());

        var pair = await (await manager.GetAsync($"/api/v1/duplicates/{id}", Ct)).JsonAsync();
        Assert.Equal("open", pair.GetProperty("status").GetString());
        Assert.Equal("上海", pair.GetProperty("customer").GetProperty("city").GetString());
        // The agent reaches neither customer: the pair does not exist for them.
        Assert.Equal(0, (await (await agent.GetAsync("/api/v1/duplicates", Ct)).JsonAsync()).GetProperty("total").GetInt64());
        await ProblemAsync(await agent.GetAsync($"/api/v1/duplicates/{id}", Ct), HttpStatusCode.NotFound);
        await ProblemAsync(await agent.PostAsync($"/api/v1/duplicates/{id}/dismiss", null, Ct), HttpStatusCode.NotFound);

        var dismissed = await manager.PostAsync($"/api/v1/duplicates/{id}/dismiss", null, Ct);
        Assert.Equal(HttpStatusCode.OK, dismissed.StatusCode);
        Assert.Equal("dismissed", (await dismissed.JsonAsync()).GetProperty("status").GetString());
        Assert.Equal(0, (await (await manager.GetAsync("/api/v1/duplicates", Ct)).JsonAsync()).GetProperty("total").GetInt64());
        var again = await (await manager.PostAsync("/api/v1/duplicates/scan", null, Ct)).JsonAsync();
        Assert.Equal((1L, 0L, 0L), (again.GetProperty("stillDismissed").GetInt64(), again.GetProperty("added").GetInt64(), again.GetProperty("open").GetInt64()));
        await ProblemAsync(await manager.PostAsync("/api/v1/duplicates/999999/dismiss", null, Ct), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task BadListParametersAreProblemsNamingTheParameter()
    {
        await using var host = await KithTestHost.StartAsync();
        var (_, client) = await host.UserWithClientAsync(Role.Agent);
        foreach (var (query, field) in new[]
                 {
                     ("minScore=high", "minScore"), ("minScore=1.5", "minScore"), ("limit=0", "limit"), ("limit=1001", "limit"),
                     ("cursor=not-a-cursor", "cursor"), ("customerId=abc", "customerId"),
                 })
        {
            var problem = await ProblemAsync(await client.GetAsync($"/api/v1/duplicates?{query}", Ct), HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), query);
        }
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.AnonymousClient().GetAsync("/api/v1/duplicates", Ct)).StatusCode);
    }

    [Fact]
    public async Task AMergeAnswersTheSurvivorKeepsTheMergedExternalIdResolvableAndIsUndone()
    {
        await using var host = await KithTestHost.StartAsync();
        var (_, client) = await host.UserWithClientAsync(Role.Agent);
        var a = await CreateAsync(client, new { name = "陈静", email = "chen@example.cn", phone = "13800138000", externalId = "ERP-A", tags = new[] { "vip" } });
        var b = await CreateAsync(client, new { name = "陈静", email = "chen@work.cn", city = "杭州", externalId = "ERP-B", tags = new[] { "beijing" } });
        var (aId, bId) = (a.GetProperty("id").GetInt64(), b.GetProperty("id").GetInt64());

        var merged = await client.SendAsync(Post($"/api/v1/customers/{aId}/merge", $$$"""{"mergeId":{{{bId}}},"fields":{"email":"other"}}""", "\"1\""), Ct);
        Assert.Equal(HttpStatusCode.OK, merged.StatusCode);
        Assert.Equal("\"2\"", merged.Headers.ETag?.Tag);
        var location = merged.Headers.Location?.OriginalString;
        Assert.Matches(@"^/api/v1/merges/\d+$", location);
        var survivor = await merged.JsonAsync();
        Assert.Equal(aId, survivor.GetProperty("id").GetInt64());
        Assert.Equal("chen@work.cn", survivor.GetProperty("email").GetString());
        Assert.Equal("杭州", survivor.GetProperty("city").GetString());
        Assert.Equal(["beijing", "vip"], survivor.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));

        var byExternal = await (await client.GetAsync("/api/v1/customers/by-external-id/ERP-B", Ct)).JsonAsync();
        Assert.Equal(aId, byExternal.GetProperty("id").GetInt64());
        await ProblemAsync(await client.GetAsync($"/api/v1/customers/{bId}", Ct), HttpStatusCode.NotFound);
        var history = await (await client.GetAsync($"/api/v1/customers/{aId}/history", Ct)).JsonAsync();
        Assert.Contains(history.EnumerateArray(), h => h.GetProperty("action").GetString() == "merged" && h.GetProperty("field").GetString() == "email");

        var merge = await (await client.GetAsync(location, Ct)).JsonAsync();
        Assert.Equal((aId, bId), (merge.GetProperty("survivorId").GetInt64(), merge.GetProperty("mergedId").GetInt64()));
        Assert.Equal(JsonValueKind.Null, merge.GetProperty("undoneAt").ValueKind);
        Assert.Equal("api", merge.GetProperty("mergedBy").GetProperty("kind").GetString());

        var undone = await client.PostAsync(location + "/undo", null, Ct);
        Assert.Equal(HttpStatusCode.OK, undone.StatusCode);
        Assert.NotEqual(JsonValueKind.Null, (await undone.JsonAsync()).GetProperty("undoneAt").ValueKind);
        var revived = await (await client.GetAsync($"/api/v1/customers/{bId}", Ct)).JsonAsync();
        Assert.Equal("chen@work.cn", revived.GetProperty("email").GetString());
        var restored = await (await client.GetAsync($"/api/v1/customers/{aId}", Ct)).JsonAsync();
        Assert.Equal("chen@example.cn", restored.GetProperty("email").GetString());
        Assert.Equal(["vip"], restored.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));

        var twice = await ProblemAsync(await client.PostAsync(location + "/undo", null, Ct), HttpStatusCode.Conflict);
        Assert.Contains("undone already", twice.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task MergeMistakesAreProblemsAndOutOfReachIsNotFound()
    {
        await using var host = await KithTestHost.StartAsync();
        var (_, client) = await host.UserWithClientAsync(Role.Agent);
        var (_, stranger) = await host.UserWithClientAsync(Role.Agent);
        var a = (await CreateAsync(client, new { name = "李娜", email = "lina@example.cn" })).GetProperty("id").GetInt64();
        var b = (await CreateAsync(client, new { name = "李娜", email = "lina@work.cn" })).GetProperty("id").GetInt64();
        var c = (await CreateAsync(client, new { name = "李娜", email = "lina@home.cn" })).GetProperty("id").GetInt64();
        var theirs = (await CreateAsync(stranger, new { name = "李娜", email = "lina@example.cn" })).GetProperty("id").GetInt64();
        var url = $"/api/v1/customers/{a}/merge";

        var missing = await ProblemAsync(await client.SendAsync(Post(url, "{}"), Ct), HttpStatusCode.BadRequest);
        Assert.True(missing.GetProperty("errors").TryGetProperty("mergeId", out _));
        var choice = await ProblemAsync(await client.SendAsync(Post(url, $$$"""{"mergeId":{{{b}}},"fields":{"shoeSize":"other","email":"theirs"}}"""), Ct), HttpStatusCode.BadRequest);
        Assert.True(choice.GetProperty("errors").TryGetProperty("fields.shoeSize", out _));
        Assert.True(choice.GetProperty("errors").TryGetProperty("fields.email", out _));
        var unknown = await ProblemAsync(await client.SendAsync(Post(url, $$"""{"mergeId":{{b}},"keep":"all"}"""), Ct), HttpStatusCode.BadRequest);
        Assert.True(unknown.GetProperty("errors").TryGetProperty("keep", out _));
        await ProblemAsync(await client.SendAsync(Post(url, $$"""{"mergeId":{{b}}}""", "\"7\""), Ct), HttpStatusCode.PreconditionFailed);
        await ProblemAsync(await client.SendAsync(Post(url, "mergeId=2", type: "text/plain"), Ct), HttpStatusCode.UnsupportedMediaType);
        await ProblemAsync(await client.SendAsync(Post(url, $$"""{"mergeId":{{theirs}}}"""), Ct), HttpStatusCode.NotFound);
        await ProblemAsync(await stranger.SendAsync(Post(url, $$"""{"mergeId":{{theirs}}}"""), Ct), HttpStatusCode.NotFound);
        await ProblemAsync(await client.SendAsync(Post($"/api/v1/customers/{a}/merge", $$"""{"mergeId":{{a}}}"""), Ct), HttpStatusCode.BadRequest);

        // b into a, then a into c: the first merge cannot be undone before the second.
        var first = (await client.SendAsync(Post(url, $$"""{"mergeId":{{b}}}"""), Ct)).Headers.Location!.OriginalString;
        var second = (await client.SendAsync(Post($"/api/v1/customers/{c}/merge", $$"""{"mergeId":{{a}}}"""), Ct)).Headers.Location!.OriginalString;
        var blocked = await ProblemAsync(await client.PostAsync(first + "/undo", null, Ct), HttpStatusCode.Conflict);
        Assert.Contains("undo that merge first", blocked.GetProperty("detail").GetString());
        await ProblemAsync(await stranger.GetAsync(second, Ct), HttpStatusCode.NotFound);
        await ProblemAsync(await stranger.PostAsync(second + "/undo", null, Ct), HttpStatusCode.NotFound);
        await ProblemAsync(await client.PostAsync("/api/v1/merges/999999/undo", null, Ct), HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync(second + "/undo", null, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync(first + "/undo", null, Ct)).StatusCode);
    }

    [Fact]
    public async Task TheOpenApiDocumentDescribesTheDuplicateEndpoints()
    {
        await using var host = await KithTestHost.StartAsync();
        var doc = await (await host.AnonymousClient().GetAsync("/openapi/v1.json", Ct)).JsonAsync();
        var paths = doc.GetProperty("paths");
        foreach (var path in new[] { "/api/v1/duplicates", "/api/v1/duplicates/scan", "/api/v1/duplicates/{id}/dismiss", "/api/v1/customers/{id}/merge", "/api/v1/merges/{id}/undo" })
            Assert.True(paths.TryGetProperty(path, out _), path);
        Assert.Equal("MergeCustomers", paths.GetProperty("/api/v1/customers/{id}/merge").GetProperty("post").GetProperty("operationId").GetString());
    }
}
