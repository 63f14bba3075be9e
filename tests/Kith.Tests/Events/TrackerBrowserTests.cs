using System.Text.RegularExpressions;
using Kith.Core.Behavior;
using Kith.Core.Identity;
using Kith.Tests.Browser;
using Kith.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Kith.Tests.Events;

/// <summary>
/// The tracking snippet in a real Chromium: an admin creates a site key and copies the snippet, a shop served from
/// another origin puts it on its pages, and a visitor browses anonymously, signs in, and browses on.
/// </summary>
public sealed class TrackerBrowserTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AVisitorsAnonymousBrowsingOnAnotherOriginMovesOntoTheCustomerWhenTheSiteIdentifiesThem()
    {
        await using var browser = await BrowserSession.StartAsync();
        await using var kith = await KithTestHost.StartAsync();
        await kith.CreateUserAsync("ada@example.com", Role.Admin, CustomerBrowserTests.Password);
        var (_, api) = await kith.UserWithClientAsync(Role.Admin);
        var ann = (await (await api.PostJsonAsync("/api/v1/customers", new { name = "Ann", email = "ann@example.com" })).JsonAsync()).GetProperty("id").GetInt64();

        string? snippet = null;
        await using var shop = await Website.StartAsync(() => snippet!);
        await using var other = await Website.StartAsync(() => snippet!);

        // The admin creates a key for the shop's origin and copies the snippet from the page.
        var admin = await browser.NewPageAsync(kith.Address);
        await CustomerBrowserTests.SignInAsync(admin, "ada@example.com", "/admin/tracking");
        await CustomerBrowserTests.Field(admin, "site-key-name").FillAsync("Shop");
        await CustomerBrowserTests.Field(admin, "site-key-origins").FillAsync(shop.Origin);
        await admin.ClickAsync("[data-test=create-site-key]");
        var shown = admin.Locator("[data-test=site-key-snippet]");
        await Expect(shown).ToContainTextAsync("data-key=\"site_");
        snippet = await shown.InnerTextAsync();
        Assert.Contains(kith.Address.ToString().TrimEnd('/') + "/t.js", snippet);

        var visitor = await browser.NewPageAsync(new Uri(shop.Origin));
        await visitor.GotoAsync("/");
        await Until(kith, async db => await db.PendingEvents.CountAsync(p => p.ReferenceKind == EventReference.Visitor && p.Type == "access", Ct) == 1);
        await visitor.ClickAsync("#add");
        await Until(kith, async db => await db.PendingEvents.CountAsync(p => p.ReferenceKind == EventReference.Visitor, Ct) == 2);

        await visitor.EvaluateAsync("kith('identify', 'Ann@Example.com')");
        await Until(kith, async db => await db.BehaviorEvents.CountAsync(e => e.CustomerId == ann, Ct) == 2 && !await db.PendingEvents.AnyAsync(Ct));
        await visitor.GotoAsync("/pricing");
        await Until(kith, async db => await db.BehaviorEvents.AnyAsync(e => e.CustomerId == ann && e.Page == "/pricing", Ct));

        await using (var db = kith.OpenDb())
        {
            var events = await db.BehaviorEvents.Where(e => e.CustomerId == ann).OrderBy(e => e.Id).ToListAsync(Ct);
            Assert.Equal([("access", "/"), ("add_to_cart", "/"), ("access", "/pricing")], events.Select(e => (e.Type, e.Page)));
            Assert.Contains("\"sku\":\"A-1\"", events[1].Properties);
            Assert.Contains("Shop home", events[0].Properties);
        }

        // From an origin the key does not allow, the browser refuses to hand the page Kith's answer (no CORS answer),
        // and Kith takes nothing.
        var stranger = await browser.NewPageAsync(new Uri(other.Origin));
        await stranger.GotoAsync("/");
        var key = Regex.Match(snippet, "data-key=\"([^\"]+)\"").Groups[1].Value;
        var outcome = await stranger.EvaluateAsync<string>(
            "url => fetch(url, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify({ visitorId: 'v-stranger-1', events: [] }) })" +
            ".then(r => 'answered ' + r.status, e => 'blocked')", $"{kith.Address}api/v1/track?key={key}");
        Assert.Equal("blocked", outcome);
        var allowed = await visitor.EvaluateAsync<string>(
            "url => fetch(url, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify({ visitorId: 'v-allowed-1', events: [] }) })" +
            ".then(r => 'answered ' + r.status, e => 'blocked')", $"{kith.Address}api/v1/track?key={key}");
        Assert.Equal("answered 200", allowed);
    }

    /// <summary>Polls the database until the condition holds (the snippet sends in the background), failing after 30 seconds.</summary>
    private static async Task Until(KithTestHost host, Func<Kith.Core.Infrastructure.KithDb, Task<bool>> condition)
    {
        for (var i = 0; i < 150; i++)
        {
            await using (var db = host.OpenDb())
                if (await condition(db)) return;
            await Task.Delay(200, Ct);
        }
        Assert.Fail("The tracked events did not arrive.");
    }

    /// <summary>A business's website on its own origin: every path answers a page carrying the snippet.</summary>
    private sealed class Website : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private Website(WebApplication app, string origin) => (_app, Origin) = (app, origin);

        public string Origin { get; }

        public static async Task<Website> StartAsync(Func<string> snippet)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            app.MapGet("/{**path}", () => Results.Content(
                "<!doctype html><html><head><title>Shop home</title></head><body><h1>Shop</h1>" +
                "<button id=\"add\" onclick=\"kith('track', 'add_to_cart', { sku: 'A-1' })\">Add to cart</button>\n" +
                snippet() + "</body></html>", "text/html"));
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
            return new Website(app, address.TrimEnd('/'));
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
