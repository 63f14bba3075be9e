using Kith.Core.Behavior;
using Kith.Core.Importing;
using Kith.Core.Infrastructure;
using Kith.Core.Tests.Importing;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Tests.Behavior;

/// <summary>Batches of the events API committed together: each keeps its own answer, and one that fails fails alone.</summary>
public sealed class EventBatchCommitsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static IncomingEvent Event(int index, string id, string externalId) => new()
    {
        Index = index, EventId = id, ReferenceKind = EventReference.ExternalId, ReferenceValue = externalId, Type = "access",
        OccurredAt = new DateTime(2026, 2, 3, 10, index, 0, DateTimeKind.Utc),
    };

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task ABatchThatFailsInAGroupIsRolledBackAloneAndTheOthersAnswerAsIfSentOneAfterAnother(DatabaseProvider provider)
    {
        await using var kit = await ImportKit.StartAsync(provider);
        var admin = await kit.AdminAsync();
        await kit.ImportAsync(ImportKind.Customers, kit.Csv("customer_id,name", "C1,Ann", "C2,Bo"), admin);
        var now = DateTime.UtcNow;
        EventBatch Batch(params IncomingEvent[] events) => new([.. events], null, "api", null, now);
        // The second batch stores e3, then fails parking an event without a type (NOT NULL): e3 must go with it.
        var broken = new IncomingEvent { Index = 1, EventId = "p1", ReferenceKind = EventReference.ExternalId, ReferenceValue = "C404", Type = null!, OccurredAt = now };

        Task<WrittenBatch>[] outcomes;
        await using (var db = kit.Open())
            outcomes = await EventBatchCommits.CommitTogetherAsync(db, [
                Batch(Event(0, "e1", "C1"), Event(1, "e2", "C2"), Event(2, "w1", "C9")),
                Batch(Event(0, "e3", "C1"), broken),
                Batch(Event(0, "e1", "C2"), Event(1, "e4", "C2")),
            ]);

        var first = await outcomes[0];
        Assert.Equal((2, 0, 1), (first.Accepted, first.Duplicates, first.Pending));
        await Assert.ThrowsAnyAsync<Exception>(() => outcomes[1]);
        var third = await outcomes[2];
        Assert.Equal((1, 1, 0), (third.Accepted, third.Duplicates, third.Pending));
        await using (var db = kit.Open())
        {
            var stored = await db.BehaviorEvents.AsNoTracking().OrderBy(e => e.EventId).Select(e => new { e.EventId, e.Customer!.ExternalId }).ToListAsync(Ct);
            Assert.Equal([("e1", "C1"), ("e2", "C2"), ("e4", "C2")], stored.Select(e => (e.EventId!, e.ExternalId!)));
            Assert.Equal(["w1"], await db.PendingEvents.Select(p => p.EventId!).ToListAsync(Ct));
        }
    }
}
