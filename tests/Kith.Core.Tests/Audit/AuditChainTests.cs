using Kith.Core.Audit;
using Kith.Core.Infrastructure;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;

namespace Kith.Core.Tests.Audit;

public sealed class AuditChainTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task EveryEntryLinksToTheOneBeforeItAndTheChainVerifies(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using (var db = database.Open())
        {
            db.AuditWho = new AuditWho(ActorKind.Api, null, "ada@example.com", 7, "203.0.113.9");
            await db.AuditNowAsync(AuditActions.SignInFailed, details: new { email = "ada@example.com" }, ct: Ct);
            db.Audit(AuditActions.Export, "customers", details: new { rows = 3, filter = "=cmd|' /C calc'!A0" });
            db.Audit(AuditActions.TokenRevoked, "token", 12L);
            await db.SaveChangesAsync(Ct);
        }

        await using (var db = database.Open())
        {
            var entries = await db.AuditEntries.OrderBy(e => e.Sequence).ToListAsync(Ct);
            Assert.Equal([1L, 2L, 3L], entries.Select(e => e.Sequence));
            Assert.Equal(AuditChain.Genesis, entries[0].PreviousHash);
            Assert.Equal(entries[0].Hash, entries[1].PreviousHash);
            Assert.Equal(entries[1].Hash, entries[2].PreviousHash);
            Assert.Equal(("ada@example.com", 7L, "203.0.113.9"), (entries[0].ActorEmail, entries[0].ActorTokenId, entries[0].ClientAddress));
            Assert.Equal(("token", "12"), (entries[2].TargetType, entries[2].TargetId));
            var chain = await db.AuditChains.SingleAsync(Ct);
            Assert.Equal((3L, entries[2].Hash), (chain.HeadSequence, chain.HeadHash));
            Assert.Equal(new AuditVerification(true, 3, null, null, null), await new VerifyAuditTrail(db).HandleAsync(Ct));
        }
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task TheDatabaseRefusesToChangeOrDeleteAnEntry(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var db = database.Open();
        await db.AuditNowAsync(AuditActions.UserCreated, "user", 1L, ct: Ct);

        await Assert.ThrowsAnyAsync<Exception>(() => db.Database.ExecuteSqlRawAsync("UPDATE audit_entries SET action = 'nothing'", Ct));
        await Assert.ThrowsAnyAsync<Exception>(() => db.Database.ExecuteSqlRawAsync("DELETE FROM audit_entries", Ct));
        Assert.Equal(AuditActions.UserCreated, (await db.AuditEntries.AsNoTracking().SingleAsync(Ct)).Action);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task VerifyNamesTheFirstEntryEditedDirectlyInTheDatabase(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var db = database.Open();
        for (var i = 1; i <= 5; i++)
            await db.AuditNowAsync(AuditActions.RecordUpdated, "customer", (long)i, new { changes = new[] { new { field = "name", old = "A", @new = "B" } } }, ct: Ct);
        var third = await db.AuditEntries.AsNoTracking().SingleAsync(e => e.Sequence == 3, Ct);

        // Someone with the database in hand: they can get past the triggers, but not past the hashes.
        await BypassTriggersAsync(db);
        // (The details of entries about a customer are sealed; the action is in the clear.)
        await db.Database.ExecuteSqlRawAsync("UPDATE audit_entries SET action = 'record.deleted' WHERE sequence = 3", Ct);

        var result = await new VerifyAuditTrail(db).HandleAsync(Ct);
        Assert.False(result.Intact);
        Assert.Equal((3L, third.Id, 2L), (result.BrokenSequence, result.BrokenId, result.Checked));
        Assert.Contains("changed", result.Problem);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task VerifyNoticesARemovedEntryAndCutOffNewestEntries(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var db = database.Open();
        for (var i = 1; i <= 5; i++) await db.AuditNowAsync(AuditActions.Export, "customers", details: new { rows = i }, ct: Ct);
        await BypassTriggersAsync(db);

        await db.Database.ExecuteSqlRawAsync("DELETE FROM audit_entries WHERE sequence = 5", Ct);
        var cut = await new VerifyAuditTrail(db).HandleAsync(Ct);
        Assert.Equal((false, 5L), (cut.Intact, cut.BrokenSequence));
        Assert.Contains("newest", cut.Problem);

        await db.Database.ExecuteSqlRawAsync("DELETE FROM audit_entries WHERE sequence = 2", Ct);
        var gap = await new VerifyAuditTrail(db).HandleAsync(Ct);
        Assert.Equal((false, 3L, 1L), (gap.Intact, gap.BrokenSequence, gap.Checked));
        Assert.Contains("missing", gap.Problem);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task ThePurgeRemovesOnlyExpiredEntriesAndTheRestStillVerifies(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 8, 0, 0, TimeSpan.Zero));
        await using var db = database.Open();
        var now = clock.GetUtcNow().UtcDateTime;
        foreach (var age in new[] { 400, 380, 366, 10, 1 })
        {
            db.Audit(AuditActions.SignInSucceeded, "user", 1L, at: now.AddDays(-age));
            await db.SaveChangesAsync(Ct);
        }
        var thirdHash = await db.AuditEntries.Where(e => e.Sequence == 3).Select(e => e.Hash).SingleAsync(Ct);

        var removed = await new PurgeAuditTrail(db, new AuditRetention(db), clock).HandleAsync(ct: Ct);

        Assert.Equal(3, removed);
        Assert.Equal([4L, 5L, 6L], await db.AuditEntries.OrderBy(e => e.Sequence).Select(e => e.Sequence).ToListAsync(Ct));
        Assert.Equal(AuditActions.AuditPurged, (await db.AuditEntries.SingleAsync(e => e.Sequence == 6, Ct)).Action);
        var chain = await db.AuditChains.AsNoTracking().SingleAsync(Ct);
        Assert.Equal((3L, thirdHash, false), (chain.AnchorSequence, chain.AnchorHash, chain.Purging));
        Assert.True((await new VerifyAuditTrail(db).HandleAsync(Ct)).Intact);
        Assert.Equal(0, await new PurgeAuditTrail(db, new AuditRetention(db), clock).HandleAsync(ct: Ct));
        // Outside the purge, deleting is refused again.
        await Assert.ThrowsAnyAsync<Exception>(() => db.Database.ExecuteSqlRawAsync("DELETE FROM audit_entries", Ct));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task ConcurrentWritersInSeparateConnectionsFormOneLinearChain(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        const int writers = 6, each = 8;
        await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < each; i++)
            {
                // A fresh context per write, as separate requests (or separate servers) would have.
                await using var db = database.Open();
                db.Audit(AuditActions.RecordCreated, "customer", (long)(w * 100 + i));
                db.Audit(AuditActions.RecordUpdated, "customer", (long)(w * 100 + i));
                await db.SaveChangesAsync(Ct);
            }
        }, Ct)));

        await using var check = database.Open();
        var sequences = await check.AuditEntries.OrderBy(e => e.Sequence).Select(e => e.Sequence).ToListAsync(Ct);
        Assert.Equal(Enumerable.Range(1, writers * each * 2).Select(i => (long)i), sequences);
        Assert.Equal(new AuditVerification(true, writers * each * 2, null, null, null), await new VerifyAuditTrail(check).HandleAsync(Ct));
    }

    private static async Task BypassTriggersAsync(KithDb db)
    {
        if (db.Provider == DatabaseProvider.Postgres)
            await db.Database.ExecuteSqlRawAsync("ALTER TABLE audit_entries DISABLE TRIGGER USER", Ct);
        else
            await db.Database.ExecuteSqlRawAsync("DROP TRIGGER audit_entries_no_update; DROP TRIGGER audit_entries_no_delete;", Ct);
    }
}
