using Kith.Core.Behavior;
using Kith.Core.Importing;
using Kith.Core.Infrastructure;
using Kith.Core.Tests.Importing;
using Kith.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Kith.Core.Tests.Behavior;

public sealed class BehaviorQueriesTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task WindowsAreUtcCalendarDaysEndingTodayAndMoveAtMidnight(DatabaseProvider provider)
    {
        await using var kit = await ImportKit.StartAsync(provider);
        var admin = await kit.AdminAsync();
        // The kit's clock: 2026-03-01 09:00 UTC. Last 7 days from 02-23, last 30 from 01-31, last 90 from 2025-12-02.
        await kit.ImportAsync(ImportKind.Customers, kit.Csv("customer_id,name", "C1,Ann"), admin);
        await kit.ImportAsync(ImportKind.Events, kit.Csv("event_id,customer_id,event_type,behavior_time,page",
            "1,C1,access,2026-03-01T00:00:00Z,/", "2,C1,access,2026-02-23T00:00:00Z,/", "3,C1,access,2026-02-22T23:59:59Z,/",
            "4,C1,like,2026-01-31T00:00:00Z,/", "5,C1,like,2026-01-30T23:59:59Z,/",
            "6,C1,purchase,2025-12-02T00:00:00Z,/", "7,C1,purchase,2025-12-01T23:59:59Z,/"), admin);
        await kit.RunAsync(sp => sp.GetRequiredService<BehaviorRollup>().CatchUpAsync(Ct));
        var id = (await kit.CustomerAsync("C1")).Id;

        Assert.Equal(["access 3 2 3 3", "like 2 0 1 2", "purchase 2 0 0 1"], await WindowsAsync());
        kit.Clock.SetUtcNow(new DateTimeOffset(2026, 3, 1, 23, 59, 59, TimeSpan.Zero));
        Assert.Equal(["access 3 2 3 3", "like 2 0 1 2", "purchase 2 0 0 1"], await WindowsAsync());
        kit.Clock.SetUtcNow(new DateTimeOffset(2026, 3, 2, 0, 0, 0, TimeSpan.Zero));
        Assert.Equal(["access 3 1 3 3", "like 2 0 0 2", "purchase 2 0 0 0"], await WindowsAsync());

        var summary = await kit.RunAsync(sp => sp.GetRequiredService<BehaviorQueries>().ForCustomerAsync(admin, id, Ct));
        Assert.Equal(new DateTime(2025, 12, 1, 23, 59, 59, DateTimeKind.Utc), summary.FirstSeenAt);
        Assert.Equal(new DateTime(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc), summary.LastSeenAt);
        Assert.Equal(new DateTime(2025, 12, 2, 0, 0, 0, DateTimeKind.Utc), summary.LastPurchaseAt);
        await Assert.ThrowsAsync<NotFound>(() => kit.RunAsync(sp => sp.GetRequiredService<BehaviorQueries>().ForCustomerAsync(admin, id + 1000, Ct)));

        async Task<List<string>> WindowsAsync()
        {
            var s = await kit.RunAsync(sp => sp.GetRequiredService<BehaviorQueries>().ForCustomerAsync(admin, id, Ct));
            return s.Types.Select(t => $"{t.Type} {t.Total} {t.Last7Days} {t.Last30Days} {t.Last90Days}").ToList();
        }
    }
}
