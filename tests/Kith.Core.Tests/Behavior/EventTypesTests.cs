using Kith.Core.Behavior;
using Kith.Core.Customers;
using Kith.Core.Identity;
using Kith.Core.Importing;
using Kith.Core.Infrastructure;
using Kith.Core.Listing;
using Kith.Core.Tests.Importing;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kith.Core.Tests.Behavior;

/// <summary>Every stored event type is a key that filters, segments and analyses can name (ADR-0053).</summary>
public sealed class EventTypesTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("access", "access")]
    [InlineData("page_view", "page_view")]
    [InlineData("signup.completed", "signup.completed")]
    [InlineData("  Add to Cart ", "add_to_cart")]
    [InlineData("Page View", "page_view")]
    [InlineData("add  /  cart!", "add_cart")]
    [InlineData("加购", "加购")]
    [InlineData("加入 购物车", "加入_购物车")]
    [InlineData("खरीद", "खरीद")]
    [InlineData("Ärger", "ärger")]
    [InlineData("!!!", null)]
    [InlineData("❤", null)]
    [InlineData("--", null)]
    [InlineData("   ", null)]
    public void ATypeIsStoredAsItsKey(string text, string? key)
    {
        Assert.Equal(key, EventTypes.Normalize(text));
        if (key is null) return;
        Assert.True(EventTypes.IsKey(key));
        Assert.Equal(key, EventTypes.Normalize(key));
    }

    [Fact]
    public void AReaderTakesAKeyAndNamesTheParameterOtherwise()
    {
        Assert.Equal("加购", EventTypes.Parse(" 加购 ", "event"));
        Assert.Equal("purchase", EventTypes.Parse("Purchase", "event"));
        Assert.Null(EventTypes.Parse("", "event"));
        var bad = Assert.Throws<RuleViolation>(() => EventTypes.Parse("Bad Type", "event"));
        Assert.Contains("'bad_type'", Assert.Single(bad.Errors["event"]));
        Assert.Contains("steps", Assert.Throws<RuleViolation>(() => EventTypes.Parse("!!!", "steps")).Errors.Keys);
        Assert.False(EventTypes.IsKey(new string('a', EventTypes.MaxLength + 1)));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task TypesInAnyScriptOrWithSpacesAreImportedAsKeysAndFiltersNameThem(DatabaseProvider provider)
    {
        await using var kit = await ImportKit.StartAsync(provider);
        var admin = await kit.AdminAsync();
        await kit.ImportAsync(ImportKind.Customers, kit.Csv("customer_id,name", "C1,Ann", "C2,Bo"), admin);
        var report = await kit.ImportAsync(ImportKind.Events, kit.Csv("event_id,customer_id,event_type,behavior_time,page",
            "1,C1,Add to Cart,2026-02-27T00:00:00Z,/", "2,C1,add_to_cart,2026-02-28T00:00:00Z,/", "3,C2,加购,2026-02-28T00:00:00Z,/",
            "4,C2,खरीद,2025-01-01T00:00:00Z,/", "5,C2,!!!,2026-02-28T00:00:00Z,/", "6,C1,access,2026-02-28T00:00:00Z,/"), admin);
        Assert.Equal((5L, 6), (report.Created, Assert.Single(report.Errors).Line));
        await kit.RunAsync(sp => sp.GetRequiredService<BehaviorRollup>().CatchUpAsync(Ct));

        Assert.Equal(["access", "like", "purchase", "add_to_cart", "खरीद", "加购"],
            await kit.RunAsync(sp => sp.GetRequiredService<BehaviorQueries>().TypesAsync(Ct)));
        Assert.Equal(["Ann"], await NamesAsync("events.add_to_cart ge 2"));
        Assert.Equal(["Ann"], await NamesAsync("events.Add_To_Cart.30d eq 2"));
        Assert.Equal(["Bo"], await NamesAsync("events.加购.7d ge 1"));
        Assert.Equal(["Bo"], await NamesAsync("events.खरीद ge 1 and events.खरीद.90d eq 0"));
        Assert.Equal(["Ann"], await NamesAsync("events.加购 eq 0"));
        var bad = await Assert.ThrowsAsync<RuleViolation>(() => NamesAsync("events.add:to:cart ge 1"));
        Assert.Contains("'add_to_cart'", bad.Message);

        Task<List<string>> NamesAsync(string filter) => kit.RunAsync(async sp =>
            (await sp.GetRequiredService<CustomerQueries>().ListAsync(admin, new ListRequest(null, filter, "name", 100), Ct)).Items.Select(i => i.Name).ToList());
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task TypesStoredBeforeTheyWereKeysAreRenamedOnceAndCountedAgain(DatabaseProvider provider)
    {
        await using var kit = await ImportKit.StartAsync(provider);
        var admin = await kit.AdminAsync();
        await kit.ImportAsync(ImportKind.Customers, kit.Csv("customer_id,name", "C1,Ann"), admin);
        var ann = (await kit.CustomerAsync("C1")).Id;
        await using (var db = kit.Open())
        {
            // As an events file stored them before ADR-0053: lower-cased free text.
            db.BehaviorEvents.AddRange(
                new BehaviorEvent { EventId = "1", CustomerId = ann, Type = "page view", OccurredAt = new DateTime(2026, 2, 27, 0, 0, 0, DateTimeKind.Utc) },
                new BehaviorEvent { EventId = "2", CustomerId = ann, Type = "page view", OccurredAt = new DateTime(2026, 2, 28, 0, 0, 0, DateTimeKind.Utc) },
                new BehaviorEvent { EventId = "3", CustomerId = ann, Type = "page_view", OccurredAt = new DateTime(2026, 2, 28, 0, 0, 0, DateTimeKind.Utc) },
                new BehaviorEvent { EventId = "4", CustomerId = ann, Type = "❤", OccurredAt = new DateTime(2026, 2, 28, 0, 0, 0, DateTimeKind.Utc) });
            db.PendingEvents.Add(new PendingEvent
            {
                EventId = "5", ReferenceKind = EventReference.ExternalId, ReferenceValue = "C9", Type = "add to cart",
                OccurredAt = new DateTime(2026, 2, 28, 0, 0, 0, DateTimeKind.Utc), Source = "import", ReceivedAt = new DateTime(2026, 2, 28, 0, 0, 0, DateTimeKind.Utc),
            });
            await db.SaveChangesAsync(Ct);
            await kit.RunAsync(sp => sp.GetRequiredService<BehaviorRollup>().CatchUpAsync(Ct));
            await db.Settings.Where(s => s.Key == "behavior.types.keys").ExecuteDeleteAsync(Ct);
        }

        await using (var db = kit.Open())
        {
            await EventTypeKeys.EnsureAsync(db, Ct);
            await EventTypeKeys.EnsureAsync(db, Ct);
        }
        await kit.RunAsync(sp => sp.GetRequiredService<BehaviorRollup>().CatchUpAsync(Ct));

        await using (var check = kit.Open())
        {
            Assert.Equal(["page_view", "page_view", "page_view", "type_2764"], await check.BehaviorEvents.OrderBy(e => e.EventId).Select(e => e.Type).ToListAsync(Ct));
            Assert.Equal("add_to_cart", (await check.PendingEvents.SingleAsync(Ct)).Type);
            Assert.Equal(["page_view 3", "type_2764 1"], (await check.BehaviorTotals.Where(t => t.CustomerId == ann).OrderBy(t => t.Type).ToListAsync(Ct))
                .Select(t => $"{t.Type} {t.Events}"));
        }
    }
}
