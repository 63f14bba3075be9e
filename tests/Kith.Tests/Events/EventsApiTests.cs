using System.Net;
using System.Text;
using System.Text.Json;
using Kith.Core.Behavior;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Tests.Events;

/// <summary>POST /api/v1/events: validation per event, idempotency by eventId, pending events, reach.</summary>
public sealed class EventsApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<long> CustomerAsync(HttpClient client, object body)
    {
        var response = await client.PostJsonAsync("/api/v1/customers", body);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.JsonAsync()).GetProperty("id").GetInt64();
    }

    private static async Task<JsonElement> SendAsync(HttpClient client, object batch)
    {
        var response = await client.PostJsonAsync("/api/v1/events", batch);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.JsonAsync();
    }

    private static (int Accepted, int Duplicates, int Pending, int Errors) Counts(JsonElement r) =>
        (r.GetProperty("accepted").GetInt32(), r.GetProperty("duplicates").GetInt32(), r.GetProperty("pending").GetInt32(), r.GetProperty("errors").GetArrayLength());

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task ValidEventsAreStoredAndEachInvalidOneIsAnsweredWithItsIndexFieldAndReason(DatabaseProvider provider)
    {
        await using var host = await KithTestHost.StartAsync(provider);
        var (_, admin) = await host.UserWithClientAsync(Role.Admin);
        var ann = await CustomerAsync(admin, new { name = "Ann", externalId = "C1", email = "ann@example.com" });
        var now = DateTime.UtcNow;
        var batch = new object[]
        {
            new { eventId = "e0", customerExternalId = "C1", type = "Access", occurredAt = "2026-01-05T10:00:00Z", properties = new { page = "/pricing", plan = "pro" } },
            new { eventId = "e1", customerId = ann, type = "purchase", occurredAt = "2026-01-05T18:00:00+08:00", page = "/checkout" },
            new { eventId = "e2", email = "ANN@example.com", type = "Add to Cart", occurredAt = "2026-01-06T00:00:00Z" },
            new { eventId = "e3", customerExternalId = "C1", type = "!!", occurredAt = "2026-01-05T10:00:00Z" },
            new { eventId = "e4", customerExternalId = "C1", type = "access", occurredAt = "2026-01-05 10:00:00" },
            new { eventId = "e5", customerExternalId = "C1", type = "access", occurredAt = now.AddDays(2).ToString("O") },
            new { eventId = "e6", customerExternalId = "C1", type = "access", occurredAt = "1969-12-31T23:59:59Z" },
            new { eventId = "e7", customerExternalId = "C1", type = "access", occurredAt = "2026-01-05T10:00:00Z", properties = new[] { 1, 2 } },
            new { eventId = "e8", customerExternalId = "C1", type = "access", occurredAt = "2026-01-05T10:00:00Z", properties = new { blob = new string('x', 9000) } },
            new { eventId = "e9", customerExternalId = "C1", type = "access", occurredAt = "2026-01-05T10:00:00Z", colour = "red" },
            new { customerExternalId = "C1", type = "access", occurredAt = "2026-01-05T10:00:00Z" },
            new { eventId = "e11", type = "access", occurredAt = "2026-01-05T10:00:00Z" },
            new { eventId = "e12", customerId = ann, email = "ann@example.com", type = "access", occurredAt = "2026-01-05T10:00:00Z" },
            new { eventId = "e0", customerExternalId = "C1", type = "access", occurredAt = "2026-01-05T10:00:00Z" },
            new { eventId = "e14", customerExternalId = "C1", occurredAt = "not a time" },
            new { eventId = "e15", customerId = 999999, type = "access", occurredAt = "2026-01-05T10:00:00Z" },
        };

        var result = await SendAsync(admin, batch);

        Assert.Equal((3, 0, 0), (result.GetProperty("accepted").GetInt32(), result.GetProperty("duplicates").GetInt32(), result.GetProperty("pending").GetInt32()));
        var errors = result.GetProperty("errors").EnumerateArray()
            .Select(e => (e.GetProperty("index").GetInt32(), e.GetProperty("field").GetString(), e.GetProperty("message").GetString()!)).ToList();
        Assert.Equal(
            [(3, "type"), (4, "occurredAt"), (5, "occurredAt"), (6, "occurredAt"), (7, "properties"), (8, "properties"), (9, "colour"), (10, "eventId"),
             (11, "customerId"), (12, "email"), (13, "eventId"), (14, "type"), (14, "occurredAt"), (15, "customerId")],
            errors.Select(e => (e.Item1, e.Item2)));
        Assert.Contains("not an event type", errors[0].Item3);
        Assert.Contains("time zone", errors[1].Item3);
        Assert.Contains("future", errors[2].Item3);
        Assert.Contains("1970", errors[3].Item3);
        Assert.Contains("8 KB", errors[5].Item3);
        Assert.Contains("index 0", errors[10].Item3);
        Assert.Contains("not found", errors[^1].Item3);
        Assert.Equal("e0", result.GetProperty("errors")[10].GetProperty("eventId").GetString());

        await using var db = host.OpenDb();
        var stored = await db.BehaviorEvents.AsNoTracking().OrderBy(e => e.EventId).ToListAsync(Ct);
        Assert.All(stored, e => Assert.Equal(ann, e.CustomerId));
        Assert.Equal(["e0", "e1", "e2"], stored.Select(e => e.EventId));
        Assert.Equal(("access", "/pricing"), (stored[0].Type, stored[0].Page));
        Assert.Equal("pro", JsonDocument.Parse(stored[0].Properties!).RootElement.GetProperty("plan").GetString());
        Assert.Equal(("/checkout", new DateTime(2026, 1, 5, 10, 0, 0, DateTimeKind.Utc)), (stored[1].Page, stored[1].OccurredAt));
        Assert.Null(stored[2].Properties);
        Assert.Equal("add_to_cart", stored[2].Type);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task CreatingTheCustomerAnswersWithTheBehaviourItsPendingEventsBring(DatabaseProvider provider)
    {
        await using var host = await KithTestHost.StartAsync(provider);
        var (_, admin) = await host.UserWithClientAsync(Role.Admin);
        var sent = await SendAsync(admin, new object[]
        {
            new { eventId = "w1", customerExternalId = "C-later", type = "access", occurredAt = "2026-01-05T10:00:00Z" },
            new { eventId = "w2", email = "later@example.com", type = "Add to Cart", occurredAt = "2026-01-06T10:00:00Z" },
        });
        Assert.Equal(2, sent.GetProperty("pending").GetInt32());

        var response = await admin.PostJsonAsync("/api/v1/customers", new { name = "Later", externalId = "C-later", email = "later@example.com" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = (await response.JsonAsync()).GetProperty("behavior");
        Assert.Equal(["access 1", "add_to_cart 1"], created.GetProperty("types").EnumerateArray().Select(t => $"{t.GetProperty("type").GetString()} {t.GetProperty("total").GetInt64()}"));
        Assert.Equal("2026-01-06T10:00:00Z", created.GetProperty("lastSeenAt").GetString());

        var plain = (await (await admin.PostJsonAsync("/api/v1/customers", new { name = "Plain" })).JsonAsync()).GetProperty("behavior");
        Assert.Equal(0, plain.GetProperty("types").GetArrayLength());
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task APurchaseAmountTooLargeForRevenueIsRefusedAndTheRestKeepTheRevenueRight(DatabaseProvider provider)
    {
        await using var host = await KithTestHost.StartAsync(provider);
        var (_, admin) = await host.UserWithClientAsync(Role.Admin);
        var ann = await CustomerAsync(admin, new { name = "Ann", externalId = "C1" });
        var batch = new object[]
        {
            new { eventId = "p0", customerId = ann, type = "purchase", occurredAt = "2026-01-05T10:00:00Z", properties = new { amount = 12.5 } },
            new { eventId = "p1", customerId = ann, type = "purchase", occurredAt = "2026-01-05T10:00:00Z", properties = new { amount = 1e300 } },
            new { eventId = "p2", customerId = ann, type = "Purchase", occurredAt = "2026-01-05T10:00:00Z", properties = new { amount = -9_000_000_000_000m } },
            // Only a purchase's amount is revenue; another type may carry any number.
            new { eventId = "p3", customerId = ann, type = "quote", occurredAt = "2026-01-05T10:00:00Z", properties = new { amount = 1e300 } },
        };

        var result = await SendAsync(admin, batch);

        Assert.Equal((2, 0, 0, 2), Counts(result));
        Assert.All(result.GetProperty("errors").EnumerateArray(), e =>
        {
            Assert.Equal("properties", e.GetProperty("field").GetString());
            Assert.Contains("too large", e.GetProperty("message").GetString());
        });
        await using (var db = host.OpenDb())
            await new BehaviorRollup(db, TimeProvider.System).CatchUpAsync(Ct);
        var behavior = (await (await admin.GetAsync($"/api/v1/customers/{ann}", Ct)).JsonAsync()).GetProperty("behavior");
        Assert.Equal((1, 12.5m), (behavior.GetProperty("purchases").GetInt32(), behavior.GetProperty("revenue").GetDecimal()));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task ARetriedBatchCountsNothingTwiceWhetherItsEventsWereStoredOrPending(DatabaseProvider provider)
    {
        await using var host = await KithTestHost.StartAsync(provider);
        var (_, admin) = await host.UserWithClientAsync(Role.Admin);
        await CustomerAsync(admin, new { name = "Ann", externalId = "C1" });
        var batch = Enumerable.Range(0, 50).Select(i => new
        {
            eventId = $"r{i}", customerExternalId = i % 5 == 0 ? "C-later" : "C1", type = "access", occurredAt = "2026-01-05T10:00:00Z",
        }).ToArray();

        Assert.Equal((40, 0, 10, 0), Counts(await SendAsync(admin, batch)));
        Assert.Equal((0, 50, 0, 0), Counts(await SendAsync(admin, batch)));

        // The customer appears: its ten events move on; sending the batch once more still stores nothing.
        await CustomerAsync(admin, new { name = "Later", externalId = "C-later" });
        Assert.Equal((0, 50, 0, 0), Counts(await SendAsync(admin, batch)));
        await using var db = host.OpenDb();
        Assert.Equal(50, await db.BehaviorEvents.CountAsync(Ct));
        Assert.Equal(0, await db.PendingEvents.CountAsync(Ct));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task BatchesSentAtOnceEachGetTheirOwnAnswerAndAnEventSharedByAllIsStoredOnce(DatabaseProvider provider)
    {
        await using var host = await KithTestHost.StartAsync(provider);
        var (_, admin) = await host.UserWithClientAsync(Role.Admin);
        await CustomerAsync(admin, new { name = "Ann", externalId = "C1" });
        // Eight senders at once: the server may commit them together (ADR-0039), and each answer must still be its own.
        object Batch(int k) => Enumerable.Range(0, 40).Select(i => (object)new { eventId = $"b{k}-{i}", customerExternalId = "C1", type = "access", occurredAt = "2026-01-05T10:00:00Z" })
            .Append(new { eventId = "shared", customerExternalId = "C1", type = "access", occurredAt = "2026-01-05T10:00:00Z" })
            .Append(new { eventId = $"w{k}", customerExternalId = $"C-later-{k}", type = "access", occurredAt = "2026-01-05T10:00:00Z" })
            .Append(new { eventId = $"x{k}", customerExternalId = "C1", type = "!!", occurredAt = "2026-01-05T10:00:00Z" }).ToArray();

        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(k => SendAsync(admin, Batch(k))));

        Assert.All(answers, a => Assert.Equal((41, 1, 1), (a.GetProperty("accepted").GetInt32() + a.GetProperty("duplicates").GetInt32(),
            a.GetProperty("pending").GetInt32(), a.GetProperty("errors").GetArrayLength())));
        Assert.All(answers, a => Assert.Equal((42, "type"), (a.GetProperty("errors")[0].GetProperty("index").GetInt32(), a.GetProperty("errors")[0].GetProperty("field").GetString())));
        Assert.Equal((8 * 40 + 1, 7), (answers.Sum(a => a.GetProperty("accepted").GetInt32()), answers.Sum(a => a.GetProperty("duplicates").GetInt32())));
        await using var db = host.OpenDb();
        Assert.Equal(8 * 40 + 1, await db.BehaviorEvents.CountAsync(Ct));
        Assert.Equal(8, await db.PendingEvents.CountAsync(Ct));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task ABigBatchPartlyStoredBeforeStoresOnlyItsNewEventsOnTheCustomerEachNames(DatabaseProvider provider)
    {
        await using var host = await KithTestHost.StartAsync(provider);
        var (_, admin) = await host.UserWithClientAsync(Role.Admin);
        var ann = await CustomerAsync(admin, new { name = "Ann", externalId = "C1" });
        var bo = await CustomerAsync(admin, new { name = "Bo", email = "bo@example.com" });
        var cy = await CustomerAsync(admin, new { name = "Cy" });
        // Far more events than SQLite binds into one statement, the customer named each of the three ways.
        object Event(int i) => (i % 3) switch
        {
            0 => new { eventId = $"b{i}", customerExternalId = "C1", type = "access", occurredAt = "2026-01-05T10:00:00Z" },
            1 => new { eventId = $"b{i}", email = "bo@example.com", type = "like", occurredAt = "2026-01-05T10:00:00Z" },
            _ => (object)new { eventId = $"b{i}", customerId = cy, type = "purchase", occurredAt = "2026-01-05T10:00:00Z" },
        };
        // Every seventh event first; then all of them, so the stored ones are scattered through the second batch.
        Assert.Equal((143, 0, 0, 0), Counts(await SendAsync(admin, Enumerable.Range(0, 1000).Where(i => i % 7 == 0).Select(Event).ToArray())));
        Assert.Equal((857, 143, 0, 0), Counts(await SendAsync(admin, Enumerable.Range(0, 1000).Select(Event).ToArray())));
        Assert.Equal((0, 1000, 0, 0), Counts(await SendAsync(admin, Enumerable.Range(0, 1000).Select(Event).ToArray())));

        await using var db = host.OpenDb();
        var stored = await db.BehaviorEvents.AsNoTracking().Select(e => new { e.EventId, e.CustomerId }).ToListAsync(Ct);
        Assert.Equal(1000, stored.Count);
        Assert.All(stored, e => Assert.Equal((int.Parse(e.EventId![1..]) % 3) switch { 0 => ann, 1 => bo, _ => cy }, e.CustomerId));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task MergedDeletedAndSharedEmailCustomersResolveAsBeforeWhenOnlyTheKeyIndexesAreRead(DatabaseProvider provider)
    {
        // An administrator's batch on SQLite finds its customers from the key indexes alone (ADR-0037); the merged and
        // deleted records, and the oldest live holder of an email, must come out as with whole rows.
        await using var host = await KithTestHost.StartAsync(provider);
        var (_, admin) = await host.UserWithClientAsync(Role.Admin);
        var survivor = await CustomerAsync(admin, new { name = "Survivor", externalId = "S1" });
        var merged = await CustomerAsync(admin, new { name = "Merged", externalId = "M1" });
        var gone = await CustomerAsync(admin, new { name = "Gone", externalId = "G1", email = "shared@example.com" });
        var holder = await CustomerAsync(admin, new { name = "Holder" });
        await using (var db = host.OpenDb())
        {
            var now = DateTime.UtcNow;
            await db.Customers.Where(c => c.Id == merged).ExecuteUpdateAsync(u => u.SetProperty(c => c.MergedIntoId, survivor).SetProperty(c => c.DeletedAt, now), Ct);
            await db.Customers.Where(c => c.Id == gone).ExecuteUpdateAsync(u => u.SetProperty(c => c.DeletedAt, now), Ct);
            // The API refuses a second live holder of an email; an older deleted one keeps it (as an import may leave it).
            await db.Customers.Where(c => c.Id == holder).ExecuteUpdateAsync(u => u.SetProperty(c => c.Email, "shared@example.com"), Ct);
        }
        var batch = new object[]
        {
            new { eventId = "k0", customerExternalId = "M1", type = "access", occurredAt = "2026-01-05T10:00:00Z" },
            new { eventId = "k1", customerExternalId = "S1", type = "access", occurredAt = "2026-01-05T10:00:00Z" },
            new { eventId = "k2", customerExternalId = "G1", type = "access", occurredAt = "2026-01-05T10:00:00Z" },
            new { eventId = "k3", email = "shared@example.com", type = "like", occurredAt = "2026-01-05T10:00:00Z" },
            new { eventId = "k4", customerExternalId = "nobody-yet", type = "like", occurredAt = "2026-01-05T10:00:00Z" },
            new { eventId = "k5", customerId = merged, type = "like", occurredAt = "2026-01-05T10:00:00Z" },
        };
        var answer = await SendAsync(admin, batch);
        Assert.Equal((4, 0, 1, 1), Counts(answer));
        var error = answer.GetProperty("errors")[0];
        Assert.Equal((2, "customerExternalId"), (error.GetProperty("index").GetInt32(), error.GetProperty("field").GetString()));

        await using var check = host.OpenDb();
        var stored = await check.BehaviorEvents.AsNoTracking().OrderBy(e => e.EventId).Select(e => new { e.EventId, e.CustomerId }).ToListAsync(Ct);
        Assert.Equal([("k0", survivor), ("k1", survivor), ("k3", holder), ("k5", survivor)], stored.Select(e => (e.EventId!, e.CustomerId)));
        Assert.Equal(["k4"], await check.PendingEvents.Select(e => e.EventId!).ToListAsync(Ct));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task EventsOfUnknownCustomersWaitAndAttachWhenTheCustomerIsCreated(DatabaseProvider provider)
    {
        await using var host = await KithTestHost.StartAsync(provider);
        var (_, admin) = await host.UserWithClientAsync(Role.Admin);
        var result = await SendAsync(admin, new
        {
            events = new object[]
            {
                new { eventId = "p1", customerExternalId = "ERP-9", type = "access", occurredAt = "2026-01-05T10:00:00Z", page = "/a" },
                new { eventId = "p2", customerExternalId = "ERP-9", type = "purchase", occurredAt = "2026-01-05T11:00:00Z", properties = new { amount = 12.5 } },
                new { eventId = "p3", email = "Bo@Example.com", type = "like", occurredAt = "2026-01-05T12:00:00Z" },
            },
        });
        Assert.Equal((0, 0, 3, 0), Counts(result));

        var pending = await (await admin.GetAsync("/api/v1/events/pending", Ct)).JsonAsync();
        Assert.Equal(3, pending.GetProperty("total").GetInt32());
        Assert.Equal(("externalId", "ERP-9", 2), (pending.GetProperty("references")[0].GetProperty("kind").GetString(),
            pending.GetProperty("references")[0].GetProperty("value").GetString(), pending.GetProperty("references")[0].GetProperty("count").GetInt32()));
        Assert.Equal("bo@example.com", pending.GetProperty("references")[1].GetProperty("value").GetString());

        long lastId;
        await using (var db = host.OpenDb()) lastId = await db.BehaviorEvents.Select(e => (long?)e.Id).MaxAsync(Ct) ?? 0;
        var erp = await CustomerAsync(admin, new { name = "Nine", externalId = "ERP-9" });
        var bo = await CustomerAsync(admin, new { name = "Bo", email = "bo@example.com" });

        await using (var db = host.OpenDb())
        {
            var moved = await db.BehaviorEvents.AsNoTracking().OrderBy(e => e.EventId).ToListAsync(Ct);
            Assert.Equal([("p1", erp), ("p2", erp), ("p3", bo)], moved.Select(e => (e.EventId!, e.CustomerId)));
            Assert.Equal("/a", moved[0].Page);
            Assert.Contains("12.5", moved[1].Properties);
            // Moved events are new rows, so a rollup reading past its last seen id finds them.
            Assert.All(moved, e => Assert.True(e.Id > lastId));
            Assert.Equal(0, await db.PendingEvents.CountAsync(Ct));
        }
        Assert.Equal(0, (await (await admin.GetAsync("/api/v1/events/pending", Ct)).JsonAsync()).GetProperty("total").GetInt32());

        // A customer that gains an email later takes the events that waited for that email.
        await SendAsync(admin, new[] { new { eventId = "p4", email = "cy@example.com", type = "like", occurredAt = "2026-01-06T12:00:00Z" } });
        var patch = new HttpRequestMessage(HttpMethod.Patch, $"/api/v1/customers/{erp}")
        {
            Content = new StringContent("{\"email\":\"cy@example.com\"}", Encoding.UTF8, "application/merge-patch+json"),
        };
        Assert.Equal(HttpStatusCode.OK, (await admin.SendAsync(patch, Ct)).StatusCode);
        await using (var db = host.OpenDb())
        {
            Assert.Equal(erp, (await db.BehaviorEvents.SingleAsync(e => e.EventId == "p4", Ct)).CustomerId);
            Assert.Equal(0, await db.PendingEvents.CountAsync(Ct));
        }
    }

    [Fact]
    public async Task AnAgentSendsOnlyForCustomersInReachAndAViewerCannotSend()
    {
        await using var host = await KithTestHost.StartAsync();
        var (_, admin) = await host.UserWithClientAsync(Role.Admin);
        var (_, agent) = await host.UserWithClientAsync(Role.Agent);
        var (_, viewer) = await host.UserWithClientAsync(Role.Viewer);
        await CustomerAsync(admin, new { name = "Admin's", externalId = "A1", email = "a1@example.com" });
        var own = await CustomerAsync(agent, new { name = "Agent's", externalId = "G1" });

        var result = await SendAsync(agent, new object[]
        {
            new { eventId = "g1", customerExternalId = "G1", type = "access", occurredAt = "2026-01-05T10:00:00Z" },
            new { eventId = "g2", customerExternalId = "A1", type = "access", occurredAt = "2026-01-05T10:00:00Z" },
            new { eventId = "g3", email = "a1@example.com", type = "access", occurredAt = "2026-01-05T10:00:00Z" },
            new { eventId = "g4", customerId = own, type = "access", occurredAt = "2026-01-05T10:00:00Z" },
        });
        Assert.Equal((2, 0, 0, 2), Counts(result));
        Assert.All(result.GetProperty("errors").EnumerateArray(), e => Assert.StartsWith("Customer not found", e.GetProperty("message").GetString()));
        Assert.Equal(["customerExternalId", "email"], result.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()));
        await using (var db = host.OpenDb())
        {
            Assert.Equal(0, await db.PendingEvents.CountAsync(Ct));
            Assert.Equal(2, await db.BehaviorEvents.CountAsync(e => e.CustomerId == own, Ct));
        }

        var refused = await viewer.PostJsonAsync("/api/v1/events", new[] { new { eventId = "v1", customerExternalId = "G1", type = "access", occurredAt = "2026-01-05T10:00:00Z" } });
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await agent.GetAsync("/api/v1/events/pending", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.AnonymousClient().PostJsonAsync("/api/v1/events", Array.Empty<object>())).StatusCode);
    }

    [Fact]
    public async Task ABodyThatIsNotJsonOrABatchOverTenThousandIsA400Problem()
    {
        await using var host = await KithTestHost.StartAsync();
        var (_, admin) = await host.UserWithClientAsync(Role.Admin);

        var broken = await admin.PostAsync("/api/v1/events", new StringContent("[{\"eventId\": ", Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, broken.StatusCode);
        Assert.Equal("application/problem+json", broken.Content.Headers.ContentType?.MediaType);

        var notArray = await admin.PostAsync("/api/v1/events", new StringContent("\"hello\"", Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, notArray.StatusCode);

        var big = Enumerable.Range(0, 10_001).Select(i => new { eventId = $"b{i}", customerExternalId = "X", type = "access", occurredAt = "2026-01-05T10:00:00Z" }).ToArray();
        var tooMany = await admin.PostJsonAsync("/api/v1/events", big);
        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
        var problem = await tooMany.JsonAsync();
        Assert.Contains("10,000", problem.GetProperty("detail").GetString());
        await using var db = host.OpenDb();
        Assert.Equal(0, await db.PendingEvents.CountAsync(Ct));
    }
}
