using System.Net;
using Kith.Core.Identity;
using Kith.Tests.Infrastructure;

namespace Kith.Tests.Communications;

public sealed class TimelineApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TheTimelinePagesNewestFirstWithACursorAndFiltersByTypeChannelAndWords()
    {
        await using var host = await KithTestHost.StartAsync();
        var (_, client) = await host.UserWithClientAsync(Role.Agent);
        var (_, stranger) = await host.UserWithClientAsync(Role.Agent);
        var customer = await CommunicationsApiTests.CustomerAsync(client);
        for (var i = 0; i < 7; i++)
            await client.PostJsonAsync("/api/v1/communications", new
            {
                customerId = customer, channel = i % 2 == 0 ? "phone" : "wechat", occurredAt = $"2026-01-0{i + 1}T08:00:00Z", subject = $"Note {i}",
                content = i == 3 ? "物流延误 delayed parcel" : "fine",
            });
        await client.PostJsonAsync("/api/v1/tasks", new { title = "Call again", customerId = customer, dueAt = "2026-01-03T12:00:00Z" });

        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var url = $"/api/v1/customers/{customer}/timeline?limit=3" + (cursor is null ? "" : "&cursor=" + cursor);
            var page = await (await client.GetAsync(url, Ct)).JsonAsync();
            foreach (var item in page.GetProperty("items").EnumerateArray())
            {
                Assert.True(item.TryGetProperty("occurredAt", out _));
                seen.Add(item.GetProperty("type").GetString() + ":" + (item.GetProperty("title").GetString() ?? item.GetProperty("action").GetString()));
            }
            cursor = page.GetProperty("nextCursor").GetString();
            pages++;
        } while (cursor is not null && pages < 10);
        Assert.Equal(["change:created", "communication:Note 6", "communication:Note 5", "communication:Note 4", "communication:Note 3", "task:Call again",
            "communication:Note 2", "communication:Note 1", "communication:Note 0"], seen);
        Assert.Equal(3, pages);

        var wechat = await (await client.GetAsync($"/api/v1/customers/{customer}/timeline?channel=wechat", Ct)).JsonAsync();
        Assert.Equal(["Note 5", "Note 3", "Note 1"], wechat.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("title").GetString()));
        var tasks = await (await client.GetAsync($"/api/v1/customers/{customer}/timeline?type=task", Ct)).JsonAsync();
        Assert.Equal(["Call again"], tasks.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("title").GetString()));
        var words = await (await client.GetAsync($"/api/v1/customers/{customer}/timeline?q={Uri.EscapeDataString("延误")}", Ct)).JsonAsync();
        Assert.Equal(["Note 3"], words.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("title").GetString()));

        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync($"/api/v1/customers/{customer}/timeline?cursor=nonsense!", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync($"/api/v1/customers/{customer}/timeline?type=rumour", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"/api/v1/customers/{customer}/timeline", Ct)).StatusCode);
    }
}
