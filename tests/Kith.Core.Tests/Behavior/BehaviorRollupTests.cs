using System.Globalization;
using Kith.Core.Behavior;
using Kith.Core.Duplicates;
using Kith.Core.Identity;
using Kith.Core.Importing;
using Kith.Core.Infrastructure;
using Kith.Core.Tests.Importing;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kith.Core.Tests.Behavior;

public sealed class BehaviorRollupTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string EventsHeader = "event_id,customer_id,event_type,behavior_time,page";

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task CatchingUpBatchByBatchGivesWhatAFullRebuildGives(DatabaseProvider provider)
    {
        await using var kit = await ImportKit.StartAsync(provider);
        var admin = await kit.AdminAsync();
        await kit.ImportAsync(ImportKind.Customers, kit.Csv("customer_id,name", "C1,Ann", "C2,Bo", "C3,Cy"), admin);
        await CatchUpAsync(kit);
        Assert.Empty(await TotalsAsync(kit));

        await kit.ImportAsync(ImportKind.Events, kit.Csv(EventsHeader,
            "1,C1,access,2026-02-27T10:00:00Z,/", "2,C1,access,2026-02-27T11:00:00Z,/pricing", "3,C2,like,2026-01-02T00:00:00Z,/"), admin);
        var first = await CatchUpAsync(kit);
        Assert.Equal(3, first.Events);
        await kit.ImportAsync(ImportKind.Events, kit.Csv(EventsHeader,
            "4,C1,access,2026-02-27T23:59:59Z,/", "5,C1,Purchase,2025-12-31T23:00:00Z,/checkout", "6,C3,signup,2026-02-28T08:00:00Z,/"), admin);
        await kit.ImportAsync(ImportKind.Purchases, kit.Csv("order_id,customer_id,order_time,amount", "P1,C1,2026-02-01T09:00:00Z,19.90", "P2,C2,2026-02-02,5"), admin);
        // A purchase sent by a website, with its amount in the properties.
        await using (var db = kit.Open())
        {
            var c3 = await db.Customers.Where(c => c.ExternalId == "C3").Select(c => c.Id).SingleAsync(Ct);
            db.BehaviorEvents.Add(new BehaviorEvent { EventId = "web-1", CustomerId = c3, Type = "purchase", OccurredAt = new DateTime(2026, 2, 28, 9, 0, 0, DateTimeKind.Utc), Properties = """{"amount": 7.25, "sku": "tea"}""" });
            db.BehaviorEvents.Add(new BehaviorEvent { EventId = "web-2", CustomerId = c3, Type = "purchase", OccurredAt = new DateTime(2026, 2, 28, 9, 5, 0, DateTimeKind.Utc), Properties = """{"amount": "n/a"}""" });
            await db.SaveChangesAsync(Ct);
        }
        var second = await CatchUpAsync(kit);
        Assert.Equal((5L, 2L), (second.Events, second.Purchases));
        Assert.Equal(RollupOutcome.Nothing, await CatchUpAsync(kit));

        var incremental = await SnapshotAsync(kit);
        Assert.Equal(
            ["C1 access 3 2026-02-27 10:00:00..2026-02-27 23:59:59 0/0", "C1 purchase 1 2025-12-31 23:00:00..2025-12-31 23:00:00 0/0",
             "C2 like 1 2026-01-02 00:00:00..2026-01-02 00:00:00 0/0", "C3 purchase 2 2026-02-28 09:00:00..2026-02-28 09:05:00 1/7250000",
             "C3 signup 1 2026-02-28 08:00:00..2026-02-28 08:00:00 0/0"],
            await TotalsAsync(kit));
        Assert.Contains("C1 access 2026-02-27 3", incremental);
        // Purchases: the purchases table plus purchase events with an amount; revenue likewise, in micros.
        Assert.Contains("C1 seen 2025-12-31 23:00:00..2026-02-27 23:59:59 lastPurchase 2026-02-01 09:00:00 visits 3 likes 0 purchases 1 revenue 19900000", incremental);
        Assert.Contains("C3 seen 2026-02-28 08:00:00..2026-02-28 09:05:00 lastPurchase 2026-02-28 09:05:00 visits 0 likes 0 purchases 1 revenue 7250000", incremental);
        Assert.Contains("C2 seen 2026-01-02 00:00:00..2026-01-02 00:00:00 lastPurchase 2026-02-02 00:00:00 visits 0 likes 1 purchases 1 revenue 5000000", incremental);

        var rebuilt = await kit.RunAsync(sp => sp.GetRequiredService<BehaviorRollup>().RebuildAsync(Ct));
        Assert.True(rebuilt.Rebuilt);
        Assert.Equal(incremental, await SnapshotAsync(kit));
    }

    /// <summary>
    /// A request (the answer to a customer's create) catches up only a small backlog itself; a larger one is left whole
    /// to the server's bounded rounds.
    /// </summary>
    [Theory]
    [ClassData(typeof(Providers))]
    public async Task CatchingUpIfSmallLeavesALargerBacklogUntouched(DatabaseProvider provider)
    {
        await using var kit = await ImportKit.StartAsync(provider);
        var admin = await kit.AdminAsync();
        await kit.ImportAsync(ImportKind.Customers, kit.Csv("customer_id,name", "C1,Ann"), admin);
        await CatchUpAsync(kit);
        await kit.ImportAsync(ImportKind.Events, kit.Csv(EventsHeader,
            "1,C1,access,2026-02-27T10:00:00Z,/", "2,C1,access,2026-02-27T11:00:00Z,/", "3,C1,like,2026-02-27T12:00:00Z,/"), admin);

        Assert.False(await kit.RunAsync(sp => sp.GetRequiredService<BehaviorRollup>().CatchUpIfSmallAsync(2, Ct)));
        Assert.Empty(await TotalsAsync(kit));
        Assert.Equal(3, (await CatchUpAsync(kit)).Events);

        await kit.ImportAsync(ImportKind.Events, kit.Csv(EventsHeader, "4,C1,access,2026-02-28T10:00:00Z,/", "5,C1,like,2026-02-28T11:00:00Z,/"), admin);
        Assert.True(await kit.RunAsync(sp => sp.GetRequiredService<BehaviorRollup>().CatchUpIfSmallAsync(2, Ct)));
        Assert.Equal(RollupOutcome.Nothing, await CatchUpAsync(kit));
        Assert.Equal(["C1 access 3 2026-02-27 10:00:00..2026-02-28 10:00:00 0/0", "C1 like 2 2026-02-27 12:00:00..2026-02-28 11:00:00 0/0"], await TotalsAsync(kit));
    }

    /// <summary>
    /// On PostgreSQL the first summary builds the summary table's indexes after its writes; a rebuild over summaries
    /// already there keeps them, since dropping one locks the table every customer list joins (ADR-0043).
    /// </summary>
    [Fact]
    public async Task OnPostgresOnlyTheFirstSummarySetsTheSummaryIndexesAside()
    {
        await using var kit = await ImportKit.StartAsync(DatabaseProvider.Postgres);
        var admin = await kit.AdminAsync();
        await kit.ImportAsync(ImportKind.Customers, kit.Csv("customer_id,name", "C1,Ann", "C2,Bo", "C3,Cy"), admin);
        await kit.ImportAsync(ImportKind.Events, kit.Csv(EventsHeader, "1,C1,access,2026-02-27T10:00:00Z,/", "2,C2,like,2026-01-02T00:00:00Z,/"), admin);
        var before = await SummaryIndexesAsync(kit);
        Assert.Equal(7, before.Count);

        await kit.RunAsync(sp => sp.GetRequiredService<BehaviorRollup>().RebuildAsync(Ct));
        var first = await SummaryIndexesAsync(kit);
        Assert.Equal(before.Keys, first.Keys);
        Assert.All(first, i => Assert.NotEqual(before[i.Key], i.Value));

        await kit.RunAsync(sp => sp.GetRequiredService<BehaviorRollup>().RebuildAsync(Ct));
        Assert.Equal(first, await SummaryIndexesAsync(kit));
        Assert.Contains(await SnapshotAsync(kit), l => l.StartsWith("C1 seen 2026-02-27 10:00:00..2026-02-27 10:00:00 lastPurchase  visits 1 likes 0", StringComparison.Ordinal));
    }

    /// <summary>The summary table's indexes over its columns on PostgreSQL, by name, with their object ids (new when built again).</summary>
    private static async Task<Dictionary<string, long>> SummaryIndexesAsync(ImportKit kit)
    {
        await using var db = kit.Open();
        var found = new Dictionary<string, long>();
        await Sql.ReadAsync(db, "SELECT indexname, indexname::regclass::oid::bigint FROM pg_indexes " +
                                "WHERE schemaname = current_schema() AND tablename = 'customer_behavior' AND indexdef LIKE '%(behavior_%'", r => found[r.GetString(0)] = r.GetInt64(1), Ct);
        return found;
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task DaysNoWindowReachesAnyMoreAreDeletedAndTheTotalsStay(DatabaseProvider provider)
    {
        await using var kit = await ImportKit.StartAsync(provider);
        var admin = await kit.AdminAsync();
        await kit.ImportAsync(ImportKind.Customers, kit.Csv("customer_id,name", "C1,Ann", "C2,Bo"), admin);
        await kit.ImportAsync(ImportKind.Events, kit.Csv(EventsHeader,
            "1,C1,access,2026-02-27T10:00:00Z,/", "2,C1,access,2026-01-02T11:00:00Z,/", "3,C2,like,2025-12-31T00:00:00Z,/"), admin);
        await CatchUpAsync(kit);
        var before = await SnapshotAsync(kit);
        Assert.Contains("C2 like 2025-12-31 1", before);
        Assert.Equal(0, await kit.RunAsync(sp => sp.GetRequiredService<BehaviorRollup>().PruneDaysAsync(Ct)));

        // Forty days on, the longest window starts on 2026-01-11: the two earlier days are no window's any more.
        kit.Clock.Advance(TimeSpan.FromDays(40));
        Assert.Equal(2, await kit.RunAsync(sp => sp.GetRequiredService<BehaviorRollup>().PruneDaysAsync(Ct)));
        var pruned = await SnapshotAsync(kit);
        Assert.Equal(before.Where(line => !line.StartsWith("C1 access 2026-01-02 ", StringComparison.Ordinal) && !line.StartsWith("C2 like 2025-12-31 ", StringComparison.Ordinal)), pruned);
        Assert.Contains("C2 like 1 2025-12-31 00:00:00..2025-12-31 00:00:00 0/0", pruned);
        // What a rebuild on that day would keep.
        await kit.RunAsync(sp => sp.GetRequiredService<BehaviorRollup>().RebuildAsync(Ct));
        Assert.Equal(pruned, await SnapshotAsync(kit));
    }

    [Fact]
    public async Task ARebuildGivesTheConnectionItsOwnPageCacheBack()
    {
        await using var kit = await ImportKit.StartAsync(DatabaseProvider.Sqlite);
        var admin = await kit.AdminAsync();
        await kit.ImportAsync(ImportKind.Customers, kit.Csv("customer_id,name", "C1,Ann"), admin);
        await kit.ImportAsync(ImportKind.Events, kit.Csv(EventsHeader, "1,C1,access,2026-02-27T10:00:00Z,/"), admin);
        var after = await kit.RunAsync(async sp =>
        {
            // The server's pooled connections run with a 64 MB cache; a rebuild on one must leave it as it found it.
            var db = sp.GetRequiredService<KithDb>();
            await db.Database.OpenConnectionAsync(Ct);
            await db.Database.ExecuteSqlRawAsync("PRAGMA cache_size = -12345", Ct);
            var rebuilt = await sp.GetRequiredService<BehaviorRollup>().RebuildAsync(Ct);
            Assert.True(rebuilt.Rebuilt);
            await using var read = db.Database.GetDbConnection().CreateCommand();
            read.CommandText = "PRAGMA cache_size";
            return Convert.ToInt64(await read.ExecuteScalarAsync(Ct), CultureInfo.InvariantCulture);
        });
        Assert.Equal(-12345L, after);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task RoundsOfAFewRowsEachEndWhereOneRoundForEverythingEnds(DatabaseProvider provider)
    {
        await using var kit = await ImportKit.StartAsync(provider);
        var admin = await kit.AdminAsync();
        await kit.ImportAsync(ImportKind.Customers, kit.Csv("customer_id,name", "C1,Ann", "C2,Bo", "C3,Cy"), admin);
        await kit.ImportAsync(ImportKind.Events, kit.Csv(EventsHeader, [.. Enumerable.Range(1, 11).Select(i =>
            $"{i},C{i % 3 + 1},{(i % 4 == 0 ? "like" : "access")},2026-02-{i + 10}T10:00:00Z,/")]), admin);
        await kit.ImportAsync(ImportKind.Purchases, kit.Csv("order_id,customer_id,order_time,amount", "P1,C1,2026-02-01T09:00:00Z,19.90",
            "P2,C2,2026-02-02,5", "P3,C2,2026-02-03,6"), admin);

        // The server's rounds stop at their limit of rows and say that more wait.
        var rounds = new List<RollupOutcome>();
        do rounds.Add(await kit.RunAsync(sp => sp.GetRequiredService<BehaviorRollup>().CatchUpAsync(4, Ct)));
        while (rounds[^1].Behind);
        Assert.Equal([4L, 4L, 3L], rounds.Select(r => r.Events));
        Assert.Equal([3L, 0L, 0L], rounds.Select(r => r.Purchases));
        Assert.Equal(RollupOutcome.Nothing, await CatchUpAsync(kit));
        var inRounds = await SnapshotAsync(kit);
        Assert.Contains("C2 seen 2026-02-11 10:00:00..2026-02-20 10:00:00 lastPurchase 2026-02-03 00:00:00 visits 3 likes 1 purchases 2 revenue 11000000", inRounds);

        await kit.RunAsync(sp => sp.GetRequiredService<BehaviorRollup>().RebuildAsync(Ct));
        Assert.Equal(inRounds, await SnapshotAsync(kit));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task RevertingAnImportTakesItsEventsAndPurchasesOutOfTheSums(DatabaseProvider provider)
    {
        await using var kit = await ImportKit.StartAsync(provider);
        var admin = await kit.AdminAsync();
        await kit.ImportAsync(ImportKind.Customers, kit.Csv("customer_id,name", "C1,Ann"), admin);
        await kit.ImportAsync(ImportKind.Events, kit.Csv(EventsHeader, "1,C1,access,2026-02-01T10:00:00Z,/", "2,C1,like,2026-02-01T10:00:00Z,/"), admin);
        await CatchUpAsync(kit);
        var before = await SnapshotAsync(kit);
        var later = await kit.ImportAsync(ImportKind.Events, kit.Csv(EventsHeader,
            "3,C1,access,2026-02-01T12:00:00Z,/", "4,C1,access,2026-02-20T10:00:00Z,/", "5,N1,access,2026-02-20T10:00:00Z,/"), admin,
            new ImportOptions { CreateMissingCustomers = true });
        var purchases = await kit.ImportAsync(ImportKind.Purchases, kit.Csv("order_id,customer_id,order_time,amount", "P1,C1,2026-02-21,10"), admin);
        await CatchUpAsync(kit);
        Assert.Contains("C1 seen 2026-02-01 10:00:00..2026-02-20 10:00:00 lastPurchase 2026-02-21 00:00:00 visits 3 likes 1 purchases 1 revenue 10000000", await SnapshotAsync(kit));

        await kit.RunAsync(sp => sp.GetRequiredService<RevertImport>().HandleAsync(purchases.JobId, admin, Ct));
        await kit.RunAsync(sp => sp.GetRequiredService<RevertImport>().HandleAsync(later.JobId, admin, Ct));
        var outcome = await CatchUpAsync(kit);

        Assert.Equal(2, outcome.Recounted); // C1, and N1 which the reverted import created
        Assert.Equal(before, await SnapshotAsync(kit));
        await kit.RunAsync(sp => sp.GetRequiredService<BehaviorRollup>().RebuildAsync(Ct));
        Assert.Equal(before, await SnapshotAsync(kit));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task AMergedCustomersEventsCountForTheSurvivorAndGoBackOnUndo(DatabaseProvider provider)
    {
        await using var kit = await ImportKit.StartAsync(provider);
        var admin = await kit.AdminAsync();
        await kit.ImportAsync(ImportKind.Customers, kit.Csv("customer_id,name", "C1,Ann", "C2,Ann B"), admin);
        await kit.ImportAsync(ImportKind.Events, kit.Csv(EventsHeader,
            "1,C1,access,2026-02-01T10:00:00Z,/", "2,C2,access,2026-01-01T10:00:00Z,/", "3,C2,like,2026-02-25T10:00:00Z,/"), admin);
        await kit.ImportAsync(ImportKind.Purchases, kit.Csv("order_id,customer_id,order_time,amount", "P1,C2,2026-02-21,10"), admin);
        await CatchUpAsync(kit);
        var before = await SnapshotAsync(kit);
        var (c1, c2) = (await kit.CustomerAsync("C1"), await kit.CustomerAsync("C2"));

        var merge = await kit.RunAsync(sp => sp.GetRequiredService<MergeCustomers>().HandleAsync(c1.Id, new MergeInput { MergeId = c2.Id }, null, admin, ActorKind.User, Ct));
        await CatchUpAsync(kit);
        var merged = await SnapshotAsync(kit);
        Assert.Equal(["C1 access 2", "C1 like 1"], (await TotalsAsync(kit)).Select(t => string.Join(' ', t.Split(' ')[..3])));
        Assert.Contains("C1 seen 2026-01-01 10:00:00..2026-02-25 10:00:00 lastPurchase 2026-02-21 00:00:00 visits 2 likes 1 purchases 1 revenue 10000000", merged);
        await kit.RunAsync(sp => sp.GetRequiredService<BehaviorRollup>().RebuildAsync(Ct));
        Assert.Equal(merged, await SnapshotAsync(kit));

        await kit.RunAsync(sp => sp.GetRequiredService<UndoMerge>().HandleAsync(merge.MergeId, admin, ActorKind.User, Ct));
        await CatchUpAsync(kit);
        Assert.Equal(before, await SnapshotAsync(kit));
    }

    [Fact]
    public async Task TheServersRoundLetsBatchesAndMergesCommitBetweenItsWritesAndEndsWhereTheRebuildInSqlEnds()
    {
        await using var kit = await ImportKit.StartAsync(DatabaseProvider.Sqlite);
        var admin = await kit.AdminAsync();
        await kit.ImportAsync(ImportKind.Customers, kit.Csv("customer_id,name", [.. Enumerable.Range(1, 40).Select(i => $"C{i},Person {i}")]), admin);
        var random = new Random(12);
        string Events(int from, int count) => kit.Csv(EventsHeader, [.. Enumerable.Range(from, count).Select(i =>
            $"{i},C{random.Next(1, 40)},{(i % 3 == 0 ? "like" : "access")},2026-02-{random.Next(1, 28):00}T{random.Next(24):00}:00:00Z,/")]);
        await kit.ImportAsync(ImportKind.Events, Events(1, 300), admin);
        await kit.ImportAsync(ImportKind.Purchases, kit.Csv("order_id,customer_id,order_time,amount", [.. Enumerable.Range(1, 10).Select(i => $"P{i},C{random.Next(1, 41)},2026-02-0{random.Next(1, 9)}T09:00:00Z,{i}")]), admin);
        await CatchUpAsync(kit);
        // New events and purchases after the watermark, and two customers stale (a merge) before the round begins.
        await kit.ImportAsync(ImportKind.Events, Events(301, 300), admin);
        await kit.ImportAsync(ImportKind.Purchases, kit.Csv("order_id,customer_id,order_time,amount", [.. Enumerable.Range(11, 10).Select(i => $"P{i},C{random.Next(1, 41)},2026-02-0{random.Next(1, 9)}T09:00:00Z,{i}")]), admin);
        var (c3, c4) = (await kit.CustomerAsync("C3"), await kit.CustomerAsync("C4"));
        await kit.RunAsync(sp => sp.GetRequiredService<MergeCustomers>().HandleAsync(c3.Id, new MergeInput { MergeId = c4.Id }, null, admin, ActorKind.User, Ct));
        var (c1, c2) = (await kit.CustomerAsync("C1"), await kit.CustomerAsync("C2"));
        var calls = 0;
        ImportReport? third = null;
        // Once the round has counted, and after each of its writes, another connection stores a batch of the events API:
        // it would wait for the writer (and fail after busy_timeout) if the round held it through its count or all its
        // writes. The third gap also merges two customers; the first round stops after its third write.
        void Between(bool stop)
        {
            calls++;
            Task.Run(async () =>
            {
                await using var db = kit.Open();
                var id = $"{(stop ? "stopped" : "during")}-{calls}";
                var batch = new EventBatch([BuildRollupTests.Event(0, id + "a", "C1"), BuildRollupTests.Event(1, id + "b", "C39"), BuildRollupTests.Event(2, id + "c", "C2")], null, "api", null, DateTime.UtcNow);
                Assert.Equal(3, (await (await EventBatchCommits.CommitTogetherAsync(db, [batch]))[0]).Accepted);
                if (calls == 3 && !stop)
                    await kit.RunAsync(sp => sp.GetRequiredService<MergeCustomers>().HandleAsync(c1.Id, new MergeInput { MergeId = c2.Id }, null, admin, ActorKind.User, Ct));
                // Between the count and the first write, the events the round counted are reverted: C3, stale already,
                // loses events the count gave it, and the revert's mark on it changes nothing.
                if (calls == 1 && !stop)
                    await kit.RunAsync(sp => sp.GetRequiredService<RevertImport>().HandleAsync(third!.JobId, admin, Ct));
            }, Ct).GetAwaiter().GetResult();
            if (stop && calls == 4) throw new InvalidOperationException("stopped");
        }
        Task<RollupOutcome> Round(bool stop) => kit.RunAsync(async sp =>
        {
            var rollup = sp.GetRequiredService<BehaviorRollup>();
            (rollup.RowsPerWrite, rollup.BetweenWrites) = (20, () => Between(stop));
            await using var db = kit.Open();
            return await rollup.CatchUpAsync(100_000, await db.BehaviorEvents.MaxAsync(e => e.Id, Ct), Ct);
        });

        // A round that stops half way leaves the rollup marked as being rebuilt: the next round rebuilds, and never adds
        // the events after the old watermark to customers the stopped one wrote already.
        await Assert.ThrowsAsync<InvalidOperationException>(() => Round(stop: true));
        await using (var db = kit.Open())
            Assert.Equal(1, await db.Settings.CountAsync(s => s.Key == "behavior.rollup.rebuild", Ct));
        Assert.True((await CatchUpAsync(kit)).Rebuilt);
        third = await kit.ImportAsync(ImportKind.Events, Events(601, 300), admin);
        var c5 = await kit.CustomerAsync("C5");
        await kit.RunAsync(sp => sp.GetRequiredService<MergeCustomers>().HandleAsync(c3.Id, new MergeInput { MergeId = c5.Id }, null, admin, ActorKind.User, Ct));

        calls = 0;
        var outcome = await Round(stop: false);
        Assert.True(outcome is { Rebuilt: false, Events: 300, Recounted: 2 }, outcome.ToString());
        Assert.True(outcome.Writes > 5, $"{outcome.Writes} writes");
        Assert.Equal(outcome.Writes + 1, calls); // once after the count, then after each write
        await using (var db = kit.Open())
            Assert.Equal(0, await db.Settings.CountAsync(s => s.Key == "behavior.rollup.rebuild", Ct));
        // The batches stored meanwhile are after the round's watermark, and the customers merged or reverted meanwhile are
        // stale: the next catch-up counts them, and the rollup is what the rebuild in SQL counts.
        var caughtUp = await CatchUpAsync(kit);
        Assert.Equal(3L * calls, caughtUp.Events);
        Assert.True(caughtUp.Recounted >= 2, caughtUp.ToString());
        var incremental = await SnapshotAsync(kit);
        await kit.RunAsync(sp => sp.GetRequiredService<BehaviorRollup>().RebuildAsync(inOrder: false, null, Ct));
        Assert.Equal(await SnapshotAsync(kit), incremental);
        Assert.Contains(incremental, line => line.StartsWith("C1 access ", StringComparison.Ordinal));
    }

    private static Task<RollupOutcome> CatchUpAsync(ImportKit kit) => kit.RunAsync(sp => sp.GetRequiredService<BehaviorRollup>().CatchUpAsync(Ct));

    /// <summary>behavior_totals as "EXT type events first..last amountEvents/amountMicros", by external id and type.</summary>
    internal static async Task<List<string>> TotalsAsync(ImportKit kit)
    {
        await using var db = kit.Open();
        var rows = await db.BehaviorTotals.AsNoTracking().Join(db.Customers, t => t.CustomerId, c => c.Id, (t, c) => new { c.ExternalId, t }).ToListAsync(Ct);
        return rows.Select(r => $"{r.ExternalId} {r.t.Type} {r.t.Events} {At(r.t.FirstAt)}..{At(r.t.LastAt)} {r.t.AmountEvents}/{r.t.AmountMicros}")
            .Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>customers with their summary columns: the table itself on SQLite, joined with customer_behavior on PostgreSQL (ADR-0043).</summary>
    internal static string SummaryOfCustomers(DatabaseProvider provider) =>
        provider == DatabaseProvider.Sqlite ? "customers" : $"customers JOIN {BehaviorColumns.Table(provider)} USING (id)";

    /// <summary>Everything the rollup holds: totals, daily buckets and each customer's summary columns, as sorted lines.</summary>
    internal static async Task<List<string>> SnapshotAsync(ImportKit kit)
    {
        var lines = await TotalsAsync(kit);
        await using var db = kit.Open();
        var days = await db.BehaviorDays.AsNoTracking().Join(db.Customers, d => d.CustomerId, c => c.Id, (d, c) => new { c.ExternalId, d }).ToListAsync(Ct);
        lines.AddRange(days.Select(r => $"{r.ExternalId} {r.d.Type} {r.d.Day:yyyy-MM-dd} {r.d.Events}"));
        await db.Database.OpenConnectionAsync(Ct);
        await using var cmd = db.Database.GetDbConnection().CreateCommand();
        cmd.CommandText = "SELECT external_id, behavior_first_seen_at, behavior_last_seen_at, behavior_last_purchase_at, behavior_visits, behavior_likes, " +
                          $"behavior_purchases, behavior_revenue_micros FROM {SummaryOfCustomers(kit.Provider)} WHERE merged_into_id IS NULL";
        await using var r = await cmd.ExecuteReaderAsync(Ct);
        while (await r.ReadAsync(Ct))
        {
            string V(int i) => r.IsDBNull(i) ? "" : i is >= 1 and <= 3 ? At(r.GetDateTime(i)) : Convert.ToInt64(r.GetValue(i), CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture);
            lines.Add($"{r.GetString(0)} seen {V(1)}..{V(2)} lastPurchase {V(3)} visits {V(4)} likes {V(5)} purchases {V(6)} revenue {V(7)}");
        }
        return lines.Order(StringComparer.Ordinal).ToList();
    }

    // SQLite hands back instants without a kind; every instant Kith stores is UTC.
    private static string At(DateTime t) =>
        (t.Kind == DateTimeKind.Unspecified ? t : t.ToUniversalTime()).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
}
