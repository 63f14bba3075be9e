using Kith.Core.Behavior;
using Kith.Core.Communications;
using Kith.Core.Customers;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Core.Purchases;
using Kith.Core.Tasks;
using Kith.Core.Tests.Customers;
using Kith.Core.Timeline;
using Kith.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Kith.Core.Tests.Timeline;

public sealed class CustomerTimelineTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly DateTime s_day = new(2026, 2, 10, 0, 0, 0, DateTimeKind.Utc);

    private static async Task<(RecordKit Kit, AccessScope Scope, long CustomerId)> SeedAsync(DatabaseProvider provider)
    {
        var kit = await RecordKit.StartAsync(provider);
        var scope = await kit.ScopeAsync(await kit.UserAsync(Role.Agent, "Li"));
        var customer = await kit.CreateAsync(scope, new CustomerInput { Name = "Timeline" });
        await using var db = kit.Database.Open();
        // Two communications at the same instant, so a page boundary between them must be exact.
        db.Communications.AddRange(
            new Communication { CustomerId = customer.Id, Channel = "phone", OccurredAt = s_day.AddHours(15), Subject = "Quote call", Content = "asked about the 红色 model", CreatedAt = s_day },
            new Communication { CustomerId = customer.Id, Channel = "wechat", OccurredAt = s_day.AddHours(15), Subject = "Photo", CreatedAt = s_day },
            new Communication { CustomerId = customer.Id, Channel = "email", OccurredAt = s_day.AddDays(-1).AddHours(9), Subject = "Welcome", CreatedAt = s_day });
        db.Purchases.Add(new Purchase { CustomerId = customer.Id, OrderedAt = s_day.AddHours(12), Product = "Red bicycle", AmountMicros = 99_000_000, CreatedAt = s_day });
        for (var i = 0; i < 5; i++) db.BehaviorEvents.Add(new BehaviorEvent { CustomerId = customer.Id, Type = "access", OccurredAt = s_day.AddHours(1 + i) });
        db.BehaviorEvents.Add(new BehaviorEvent { CustomerId = customer.Id, Type = "like", OccurredAt = s_day.AddHours(2) });
        db.BehaviorEvents.Add(new BehaviorEvent { CustomerId = customer.Id, Type = "access", OccurredAt = s_day.AddDays(-2).AddHours(2) });
        db.Tasks.Add(new TaskItem { Title = "Call back", AssigneeId = scope.UserId, CustomerId = customer.Id, DueAt = s_day.AddDays(1), TimelineAt = s_day.AddDays(1), CreatedAt = s_day });
        await db.SaveChangesAsync(Ct);
        return (kit, scope, customer.Id);
    }

    private static Task<TimelinePage> PageAsync(RecordKit kit, AccessScope scope, long id, TimelineFilter filter, string? cursor = null, int limit = 50) =>
        kit.RunAsync(sp => sp.GetRequiredService<CustomerTimeline>().PageAsync(scope, id, filter, cursor, limit, Ct));

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task TheTimelineMergesEverySourceNewestFirstAndSumsBehaviourPerDayAndType(DatabaseProvider provider)
    {
        var (kit, scope, id) = await SeedAsync(provider);
        await using var _ = kit;
        var page = await PageAsync(kit, scope, id, new TimelineFilter());

        Assert.Null(page.NextCursor);
        // The customer's own "created" change is at the kit clock (2026-03-01), after everything seeded.
        Assert.Equal(["change", "task", "communication", "communication", "purchase", "behavior", "behavior", "communication", "behavior"], page.Items.Select(i => i.Type));
        Assert.Equal(page.Items.Select(i => i.OccurredAt).OrderByDescending(t => t), page.Items.Select(i => i.OccurredAt));
        var behaviour = page.Items.Where(i => i.Type == "behavior").ToList();
        Assert.Equal([("access", 5, s_day), ("like", 1, s_day), ("access", 1, s_day.AddDays(-2))],
            behaviour.OrderByDescending(b => b.OccurredAt).ThenByDescending(b => b.Count).Select(b => (b.Title!, b.Count!.Value, b.OccurredAt)));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task PagingOneEntryAtATimeVisitsEveryEntryOnceInTheSameOrder(DatabaseProvider provider)
    {
        var (kit, scope, id) = await SeedAsync(provider);
        await using var _ = kit;
        var whole = (await PageAsync(kit, scope, id, new TimelineFilter())).Items.Select(i => i.Id).ToList();
        var paged = new List<string>();
        string? cursor = null;
        do
        {
            var page = await PageAsync(kit, scope, id, new TimelineFilter(), cursor, limit: 1);
            paged.AddRange(page.Items.Select(i => i.Id));
            cursor = page.NextCursor;
        } while (cursor is not null && paged.Count < 50);
        Assert.Equal(whole, paged);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task FiltersByTypeChannelAndWordsInTheContents(DatabaseProvider provider)
    {
        var (kit, scope, id) = await SeedAsync(provider);
        await using var _ = kit;
        var wechat = await PageAsync(kit, scope, id, new TimelineFilter(Channels: ["wechat", "email"]));
        var purchases = await PageAsync(kit, scope, id, new TimelineFilter(Types: ["purchase", "task"]));
        var red = await PageAsync(kit, scope, id, new TimelineFilter(Query: "红色"));
        var redLatin = await PageAsync(kit, scope, id, new TimelineFilter(Query: "RED"));

        Assert.Equal(["Photo", "Welcome"], wechat.Items.Select(i => i.Title));
        Assert.Equal(["task", "purchase"], purchases.Items.Select(i => i.Type));
        Assert.Equal(["Quote call"], red.Items.Select(i => i.Title));
        Assert.Equal(["Red bicycle"], redLatin.Items.Select(i => i.Title));
        var bad = await Assert.ThrowsAsync<RuleViolation>(() => PageAsync(kit, scope, id, new TimelineFilter(Types: ["gossip"])));
        Assert.Contains("type", bad.Errors.Keys);
    }
}
