using System.Net;
using System.Net.Http.Json;
using Kith.Core.Behavior;
using Kith.Core.Identity;
using Kith.Tests.Infrastructure;

namespace Kith.Tests.Segments;

public sealed class SegmentsApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ASegmentIsCreatedCountedUsedAsAListFilterAndInExportThenDeleted()
    {
        await using var host = await KithTestHost.StartAsync();
        var (_, manager) = await host.UserWithClientAsync(Role.Admin);
        var ann = (await (await manager.PostJsonAsync("/api/v1/customers", new { name = "Ann", email = "ann@example.com" })).JsonAsync()).GetProperty("id").GetInt64();
        await manager.PostJsonAsync("/api/v1/customers", new { name = "Bo" });
        await using (var db = host.OpenDb())
        {
            db.BehaviorEvents.Add(new BehaviorEvent { CustomerId = ann, Type = "purchase", OccurredAt = DateTime.UtcNow.AddDays(-2) });
            db.BehaviorEvents.Add(new BehaviorEvent { CustomerId = ann, Type = "purchase", OccurredAt = DateTime.UtcNow.AddDays(-5) });
            await db.SaveChangesAsync(Ct);
        }

        var count = await (await manager.PostJsonAsync("/api/v1/segments/count", new { filter = "events.purchase.30d ge 2" })).JsonAsync();
        Assert.Equal(1, count.GetProperty("count").GetInt64());
        Assert.False(count.GetProperty("estimate").GetBoolean());

        var created = await manager.PostJsonAsync("/api/v1/segments", new { name = "Bought twice in 30 days", filter = "events.purchase.30d ge 2" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var segment = await created.JsonAsync();
        var id = segment.GetProperty("id").GetInt64();
        Assert.Equal("bought-twice-in-30-days", segment.GetProperty("key").GetString());
        Assert.Equal($"/api/v1/segments/{id}", created.Headers.Location?.OriginalString);

        var list = await (await manager.GetAsync("/api/v1/customers?filter=" + Uri.EscapeDataString("segment eq bought-twice-in-30-days"), Ct)).JsonAsync();
        Assert.Equal("Ann", Assert.Single(list.GetProperty("items").EnumerateArray()).GetProperty("name").GetString());
        var csv = await manager.GetStringAsync("/api/v1/customers/export?format=csv&filter=" + Uri.EscapeDataString("segment eq bought-twice-in-30-days"), Ct);
        Assert.Contains("ann@example.com", csv);
        Assert.DoesNotContain("Bo", csv);

        var refreshed = await (await manager.PostAsync($"/api/v1/segments/{id}/refresh", null, Ct)).JsonAsync();
        Assert.Equal(1, refreshed.GetProperty("memberCount").GetInt64());
        Assert.Equal(0, (await (await manager.GetAsync($"/api/v1/segments/{id}/changes", Ct)).JsonAsync()).GetArrayLength());

        Assert.Equal(HttpStatusCode.NoContent, (await manager.DeleteAsync($"/api/v1/segments/{id}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await manager.GetAsync($"/api/v1/segments/{id}", Ct)).StatusCode);
    }

    [Fact]
    public async Task BadSegmentsAnswerProblemDetailsThatSayWhatIsWrong()
    {
        await using var host = await KithTestHost.StartAsync();
        var (_, agent) = await host.UserWithClientAsync(Role.Agent);
        var (_, viewer) = await host.UserWithClientAsync(Role.Viewer);

        var bad = await agent.PostJsonAsync("/api/v1/segments", new { name = "Odd", filter = "events.purchase.30d ge lots" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("application/problem+json", bad.Content.Headers.ContentType?.MediaType);
        var problem = await bad.JsonAsync();
        Assert.Contains("not a count", problem.GetProperty("errors").GetProperty("filter")[0].GetString());

        var noFilter = await agent.PostJsonAsync("/api/v1/segments", new { name = "Nothing" });
        Assert.Equal(HttpStatusCode.BadRequest, noFilter.StatusCode);
        var badKey = await agent.PostJsonAsync("/api/v1/segments", new { name = "K", key = "Has Spaces", filter = "age ge 1" });
        Assert.Equal(HttpStatusCode.BadRequest, badKey.StatusCode);
        var badCount = await agent.PostJsonAsync("/api/v1/segments/count", new { filter = "segment eq missing" });
        Assert.Equal(HttpStatusCode.BadRequest, badCount.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await agent.GetAsync("/api/v1/segments/1/changes?limit=x", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await agent.GetAsync("/api/v1/segments/999/changes", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostJsonAsync("/api/v1/segments", new { name = "V", filter = "age ge 1" })).StatusCode);
        var notJson = await agent.PostAsync("/api/v1/segments", new StringContent("name=x"), Ct);
        Assert.True(notJson.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.UnsupportedMediaType, $"{notJson.StatusCode}");
    }
}
