using System.Net;
using System.Text.Json;
using Kith.Core.Behavior;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Tests.Infrastructure;

namespace Kith.Tests.Behavior;

public sealed class CustomerBehaviorApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task TheCustomerCarriesItsBehaviourSummaryAndTheListSortsAndFiltersByItButOnlyWithinReach(DatabaseProvider provider)
    {
        await using var host = await KithTestHost.StartAsync(provider);
        var (ownerId, owner) = await host.UserWithClientAsync(Role.Agent);
        var (_, outsider) = await host.UserWithClientAsync(Role.Agent);
        var busy = (await (await owner.PostJsonAsync("/api/v1/customers", new { name = "Busy" })).JsonAsync()).GetProperty("id").GetInt64();
        var quiet = (await (await owner.PostJsonAsync("/api/v1/customers", new { name = "Quiet" })).JsonAsync()).GetProperty("id").GetInt64();
        var now = DateTime.UtcNow;
        await using (var db = host.OpenDb())
        {
            db.BehaviorEvents.AddRange(
                new BehaviorEvent { EventId = "a1", CustomerId = busy, Type = "access", OccurredAt = now.AddDays(-1), Page = "/" },
                new BehaviorEvent { EventId = "a2", CustomerId = busy, Type = "access", OccurredAt = now.AddDays(-40), Page = "/pricing" },
                new BehaviorEvent { EventId = "p1", CustomerId = busy, Type = "purchase", OccurredAt = now.AddDays(-2), Properties = """{"amount": 7.25}""" },
                new BehaviorEvent { EventId = "q1", CustomerId = quiet, Type = "access", OccurredAt = now.AddDays(-100) });
            await db.SaveChangesAsync(Ct);
            await new BehaviorRollup(db, TimeProvider.System).CatchUpAsync(Ct);
        }

        var response = await owner.GetAsync($"/api/v1/customers/{busy}", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var behavior = (await response.JsonAsync()).GetProperty("behavior");
        Assert.Equal(1, behavior.GetProperty("purchases").GetInt64());
        Assert.Equal(7.25m, behavior.GetProperty("revenue").GetDecimal());
        Assert.NotEqual(JsonValueKind.Null, behavior.GetProperty("lastSeenAt").ValueKind);
        var types = behavior.GetProperty("types").EnumerateArray()
            .Select(t => $"{t.GetProperty("type").GetString()} {t.GetProperty("total")} {t.GetProperty("last7Days")} {t.GetProperty("last30Days")} {t.GetProperty("last90Days")}");
        Assert.Equal(["access 2 1 1 2", "purchase 1 1 1 1"], types);

        // Out of reach: 404, the summary included.
        Assert.Equal(HttpStatusCode.NotFound, (await outsider.GetAsync($"/api/v1/customers/{busy}", Ct)).StatusCode);

        var sorted = await (await owner.GetAsync("/api/v1/customers?sort=-visits", Ct)).JsonAsync();
        Assert.Equal([busy, quiet], sorted.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetInt64()));
        Assert.Equal(2, sorted.GetProperty("items")[0].GetProperty("behavior").GetProperty("visits").GetInt64());
        var filtered = await (await owner.GetAsync("/api/v1/customers?filter=" + Uri.EscapeDataString("lastSeenAt ge " + now.AddDays(-10).ToString("yyyy-MM-dd")), Ct)).JsonAsync();
        Assert.Equal([busy], filtered.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetInt64()));
        Assert.Empty((await (await outsider.GetAsync("/api/v1/customers?filter=visits%20ge%201", Ct)).JsonAsync()).GetProperty("items").EnumerateArray());
        Assert.Equal(HttpStatusCode.BadRequest, (await owner.GetAsync("/api/v1/customers?filter=visits%20ge%20many", Ct)).StatusCode);
        _ = ownerId;
    }
}
