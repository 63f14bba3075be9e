using System.Net;
using System.Text;
using System.Text.Json;
using Kith.Core.Behavior;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Tests.Events;

/// <summary>Site keys and POST /api/v1/track: origins, CORS, the rate limit, anonymous visitors and identify.</summary>
public sealed class TrackerApiTests
{
    private const string Shop = "https://shop.example.com";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    internal static async Task<string> SiteKeyAsync(HttpClient admin, params string[] origins)
    {
        var response = await admin.PostJsonAsync("/api/v1/site-keys", new { name = "Shop", allowedOrigins = origins });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.JsonAsync()).GetProperty("key").GetString()!;
    }

    private static async Task<HttpResponseMessage> TrackAsync(HttpClient client, string key, string? origin, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/track?key={key}")
        {
            Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "text/plain"),
        };
        if (origin is not null) request.Headers.Add("Origin", origin);
        return await client.SendAsync(request, Ct);
    }

    private static object Event(string id, string type = "access", string page = "/") =>
        new { eventId = id, type, occurredAt = DateTime.UtcNow.AddMinutes(-1).ToString("O"), page };

    [Fact]
    public async Task OnlyAdministratorsManageSiteKeysAndAKeyNeedsRealOrigins()
    {
        await using var host = await KithTestHost.StartAsync();
        var (_, admin) = await host.UserWithClientAsync(Role.Admin);
        var (_, manager) = await host.UserWithClientAsync(Role.Manager);

        Assert.Equal(HttpStatusCode.Forbidden, (await manager.PostJsonAsync("/api/v1/site-keys", new { name = "x", allowedOrigins = new[] { Shop } })).StatusCode);
        var bad = await admin.PostJsonAsync("/api/v1/site-keys", new { name = "Shop", allowedOrigins = new[] { "shop.example.com/path" } });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.True((await bad.JsonAsync()).GetProperty("errors").TryGetProperty("allowedOrigins", out _));

        var created = await admin.PostJsonAsync("/api/v1/site-keys", new { name = "Shop", allowedOrigins = new[] { "https://Shop.Example.com/", "http://localhost:8080" } });
        var body = await created.JsonAsync();
        var key = body.GetProperty("key").GetString()!;
        Assert.StartsWith("site_", key);
        Assert.Equal([Shop, "http://localhost:8080"], body.GetProperty("allowedOrigins").EnumerateArray().Select(o => o.GetString()));
        Assert.Contains($"/t.js\" data-key=\"{key}\"", body.GetProperty("snippet").GetString());
        var list = await (await admin.GetAsync("/api/v1/site-keys", Ct)).JsonAsync();
        Assert.Equal(key, list[0].GetProperty("key").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, (await manager.GetAsync("/api/v1/site-keys", Ct)).StatusCode);

        var script = await host.AnonymousClient().GetAsync("/t.js", Ct);
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Contains("javascript", script.Content.Headers.ContentType?.MediaType);
        Assert.InRange((await script.Content.ReadAsByteArrayAsync(Ct)).Length, 1000, 8192);
    }

    [Fact]
    public async Task TheCollectorAnswersOnlyTheKeysOriginsAndRefusesUnknownOrRevokedKeys()
    {
        await using var host = await KithTestHost.StartAsync();
        var (_, admin) = await host.UserWithClientAsync(Role.Admin);
        var key = await SiteKeyAsync(admin, Shop);
        var web = host.AnonymousClient();

        var ok = await TrackAsync(web, key, Shop, new { visitorId = "v-visitor-1", events = new[] { Event("t1") } });
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(Shop, ok.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Equal(1, (await ok.JsonAsync()).GetProperty("pending").GetInt32());

        var elsewhere = await TrackAsync(web, key, "https://evil.example.net", new { visitorId = "v-visitor-1", events = new[] { Event("t2") } });
        Assert.Equal(HttpStatusCode.Forbidden, elsewhere.StatusCode);
        Assert.False(elsewhere.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.Equal(HttpStatusCode.Forbidden, (await TrackAsync(web, key, null, new { visitorId = "v-visitor-1", events = new[] { Event("t3") } })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await TrackAsync(web, "site_nope", Shop, new { visitorId = "v-visitor-1", events = new[] { Event("t4") } })).StatusCode);

        var preflight = new HttpRequestMessage(HttpMethod.Options, $"/api/v1/track?key={key}");
        preflight.Headers.Add("Origin", Shop);
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        var answer = await web.SendAsync(preflight, Ct);
        Assert.Equal(HttpStatusCode.NoContent, answer.StatusCode);
        Assert.Equal(Shop, answer.Headers.GetValues("Access-Control-Allow-Origin").Single());
        var foreign = new HttpRequestMessage(HttpMethod.Options, $"/api/v1/track?key={key}");
        foreign.Headers.Add("Origin", "https://evil.example.net");
        Assert.False((await web.SendAsync(foreign, Ct)).Headers.Contains("Access-Control-Allow-Origin"));

        var id = (await (await admin.GetAsync("/api/v1/site-keys", Ct)).JsonAsync())[0].GetProperty("id").GetInt64();
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/api/v1/site-keys/{id}/revoke", null, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await TrackAsync(web, key, Shop, new { visitorId = "v-visitor-1", events = new[] { Event("t5") } })).StatusCode);

        await using var db = host.OpenDb();
        Assert.Equal(["t1"], await db.PendingEvents.Select(p => p.EventId!).ToListAsync(Ct));
    }

    [Fact]
    public async Task AClientSendingTooOftenWithOneKeyIsToldToWait()
    {
        await using var host = await KithTestHost.StartAsync();
        var (_, admin) = await host.UserWithClientAsync(Role.Admin);
        var key = await SiteKeyAsync(admin, Shop);
        var web = host.AnonymousClient();
        for (var i = 0; i < TrackerThrottle.RequestsPerMinute; i++)
            Assert.Equal(HttpStatusCode.OK, (await TrackAsync(web, key, Shop, new { visitorId = "v-visitor-1", events = Array.Empty<object>() })).StatusCode);
        var refused = await TrackAsync(web, key, Shop, new { visitorId = "v-visitor-1", events = new[] { Event("late") } });
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter);
        await using var db = host.OpenDb();
        Assert.Equal(0, await db.PendingEvents.CountAsync(Ct));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task IdentifyMovesAVisitorsAnonymousEventsOntoTheCustomerOrParksThemUntilTheCustomerExists(DatabaseProvider provider)
    {
        await using var host = await KithTestHost.StartAsync(provider);
        var (_, admin) = await host.UserWithClientAsync(Role.Admin);
        var key = await SiteKeyAsync(admin, Shop);
        var web = host.AnonymousClient();
        var ann = (await (await admin.PostJsonAsync("/api/v1/customers", new { name = "Ann", email = "ann@example.com" })).JsonAsync()).GetProperty("id").GetInt64();

        // Ann browses anonymously, then signs in; a second visitor signs up with an email Kith does not know yet.
        await TrackAsync(web, key, Shop, new { visitorId = "v-ann-0001", events = new[] { Event("a1", page: "/"), Event("a2", "view_item", "/item/7") } });
        await TrackAsync(web, key, Shop, new { visitorId = "v-bo-00001", events = new[] { Event("b1") } });
        var identified = await (await TrackAsync(web, key, Shop, new { visitorId = "v-ann-0001", identify = "Ann@Example.com", events = new[] { Event("a3", "login") } })).JsonAsync();
        Assert.Equal(1, identified.GetProperty("accepted").GetInt32());
        var later = await (await TrackAsync(web, key, Shop, new { visitorId = "v-ann-0001", email = "ann@example.com", events = new[] { Event("a4") } })).JsonAsync();
        Assert.Equal(1, later.GetProperty("accepted").GetInt32());
        await TrackAsync(web, key, Shop, new { visitorId = "v-bo-00001", identify = "bo@example.com", events = Array.Empty<object>() });

        await using (var db = host.OpenDb())
        {
            Assert.Equal(["a1", "a2", "a3", "a4"], await db.BehaviorEvents.Where(e => e.CustomerId == ann).OrderBy(e => e.EventId).Select(e => e.EventId!).ToListAsync(Ct));
            var bo = await db.PendingEvents.SingleAsync(Ct);
            Assert.Equal(("b1", EventReference.Email, "bo@example.com", "tracker"), (bo.EventId, bo.ReferenceKind, bo.ReferenceValue, bo.Source));
        }

        var boId = (await (await admin.PostJsonAsync("/api/v1/customers", new { name = "Bo", email = "bo@example.com" })).JsonAsync()).GetProperty("id").GetInt64();
        await using (var db = host.OpenDb())
        {
            Assert.Equal(0, await db.PendingEvents.CountAsync(Ct));
            Assert.Equal("b1", (await db.BehaviorEvents.SingleAsync(e => e.CustomerId == boId, Ct)).EventId);
        }
    }
}
