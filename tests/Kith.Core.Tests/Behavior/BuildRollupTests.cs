using System.Globalization;
using Kith.Core.Behavior;
using Kith.Core.Duplicates;
using Kith.Core.Identity;
using Kith.Core.Importing;
using Kith.Core.Infrastructure;
using Kith.Core.Tests.Importing;
using Kith.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kith.Core.Tests.Behavior;

/// <summary>The ordered bulk build of the rollup (SQLite, ADR-0031) against the set-based rebuild in SQL.</summary>
public sealed class BuildRollupTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task TheOrderedBuildWritesWhatTheSetBasedRebuildWrites(DatabaseProvider provider)
    {
        await using var kit = await ImportKit.StartAsync(provider);
        var admin = await kit.AdminAsync();
        // C41 only buys, the passes cover the customers of purchases too; C42 neither visits nor buys.
        await kit.ImportAsync(ImportKind.Customers, kit.Csv("customer_id,name", [.. Enumerable.Range(1, 42).Select(i => $"C{i},Person {i}")]), admin);
        var types = new[] { "access", "like", "purchase", "signup", "Zed", "ärger" };
        var random = new Random(5);
        // Events from the importer (whole seconds) over a few days, so that days and types repeat per customer; a third
        // before the first day the windows count (the kit's clock: 2026-03-01, so from 2025-12-02 on), some on its edge.
        await kit.ImportAsync(ImportKind.Events, kit.Csv("event_id,customer_id,event_type,behavior_time,page", [.. Enumerable.Range(1, 900).Select(i =>
            $"{i},C{random.Next(1, 41)},{types[random.Next(types.Length)]},{(i % 3) switch { 0 => "2025-11-" + random.Next(20, 31), 1 => "2025-12-0" + random.Next(1, 3), _ => "2026-02-0" + random.Next(1, 6) }}" +
            $"T{random.Next(24):00}:{random.Next(60):00}:{random.Next(60):00}Z,/")]), admin);
        await kit.ImportAsync(ImportKind.Purchases, kit.Csv("order_id,customer_id,order_time,amount", [.. Enumerable.Range(1, 30).Select(i =>
            $"P{i},C{random.Next(1, 42)},2026-02-{random.Next(1, 9):00}T09:00:00Z,{random.Next(1, 100)}.5"), "P31,C41,2025-10-01T08:00:00Z,12"]), admin);
        await using (var db = kit.Open())
        {
            var ids = await db.Customers.OrderBy(c => c.Id).Select(c => c.Id).ToListAsync(Ct);
            // Website events: fractions of a second (trailing zeros dropped when stored), amounts or none, ties in time.
            var at = new DateTime(2026, 2, 3, 23, 59, 59, DateTimeKind.Utc);
            for (var i = 0; i < 200; i++)
            {
                var properties = (i % 5) switch { 0 => """{"amount": 7.25}""", 1 => """{"amount": "n/a"}""", 2 => "[1, 2]", 3 => """{"amount": 3}""", _ => null };
                db.BehaviorEvents.Add(new BehaviorEvent
                {
                    EventId = "web-" + i, CustomerId = ids[i % 7], Type = i % 3 == 0 ? "like" : "purchase", Properties = properties,
                    OccurredAt = at.AddTicks((i / 2) * 1_234_500L),
                });
            }
            await db.SaveChangesAsync(Ct);
        }
        await kit.RunAsync(sp => sp.GetRequiredService<BehaviorRollup>().CatchUpAsync(Ct));
        var incremental = await TablesAsync(kit);
        await kit.RunAsync(sp => sp.GetRequiredService<BehaviorRollup>().RebuildAsync(inOrder: false, null, Ct));
        Assert.Equal(await TablesAsync(kit), incremental);
        // A merge and a deleted customer leave stale marks and a live customer without events of its own.
        var (c1, c2) = (await kit.CustomerAsync("C1"), await kit.CustomerAsync("C2"));
        await kit.RunAsync(sp => sp.GetRequiredService<MergeCustomers>().HandleAsync(c1.Id, new MergeInput { MergeId = c2.Id }, null, admin, ActorKind.User, Ct));
        await using (var db = kit.Open())
            await db.Database.ExecuteSqlRawAsync("UPDATE customers SET deleted_at = created_at WHERE external_id = 'C3'", Ct);

        var inSql = await kit.RunAsync(sp => sp.GetRequiredService<BehaviorRollup>().RebuildAsync(inOrder: false, null, Ct));
        Assert.Equal(2, inSql.Recounted);
        var expected = await TablesAsync(kit);
        // Every summary is written by the ordered build, and one left over from before is cleared.
        var summaries = BehaviorColumns.Table(provider);
        await using (var db = kit.Open())
#pragma warning disable EF1003 // the table name is one of two constants
            await db.Database.ExecuteSqlRawAsync($"UPDATE {summaries} SET behavior_first_seen_at = NULL, behavior_last_seen_at = NULL, behavior_last_purchase_at = NULL, " +
                                                 "behavior_visits = NULL, behavior_likes = NULL, behavior_revenue_micros = NULL, " +
                                                 "behavior_purchases = CASE WHEN id = (SELECT c.id FROM customers c WHERE c.external_id = 'C42') THEN 5 END", Ct);
#pragma warning restore EF1003
        var previous = BuildRollup.BucketsPerPass;
        BuildRollup.BucketsPerPass = 40; // several passes over the customer ids
        try
        {
            var progress = new List<RollupProgress>();
            var ordered = await kit.RunAsync(sp => sp.GetRequiredService<BehaviorRollup>().RebuildAsync(new Collect(progress), Ct));
            Assert.Equal(provider == DatabaseProvider.Sqlite, ordered.InOrder);
            if (provider == DatabaseProvider.Sqlite) Assert.Equal((1100L, 1100L), (ordered.Events, progress[^1].Done));
        }
        finally
        {
            BuildRollup.BucketsPerPass = previous;
        }
        var actual = await TablesAsync(kit);
        Assert.True(expected.Count > 500, $"{expected.Count} rows");
        Assert.Equal(expected, actual);
        Assert.Contains(actual, line => line.StartsWith("days ", StringComparison.Ordinal) && line.Contains(":59.", StringComparison.Ordinal));
        // Days only from the first day a window counts (ADR-0035); the totals and summaries count the earlier events too.
        var days = actual.Where(line => line.StartsWith("days ", StringComparison.Ordinal)).Select(line => DateOnly.Parse(line.Split(' ')[3], CultureInfo.InvariantCulture));
        Assert.Equal(new DateOnly(2025, 12, 2), days.Min());
        Assert.Contains(actual, line => line.StartsWith("totals ", StringComparison.Ordinal) && line.Contains(" 2025-11-", StringComparison.Ordinal));
        Assert.Matches(@"^customer C41 - - \d{4}-\d\d-\d\d 0\d:00:00 0 0 [1-9]\d* [1-9]\d*$", actual.Single(line => line.StartsWith("customer C41 ", StringComparison.Ordinal)));
        Assert.Contains("customer C42 - - - - - - -", actual);
        if (provider == DatabaseProvider.Sqlite)
        {
            // Every summary changed, so the build dropped the customers' behaviour indexes for its writes: they are back.
            await using var db = kit.Open();
            var indexes = await db.Database.SqlQueryRaw<string>("SELECT name AS \"Value\" FROM sqlite_master WHERE type = 'index' AND tbl_name = 'customers' AND instr(sql, 'behavior_') > 0").ToListAsync(Ct);
            Assert.Equal(7, indexes.Count);
            // Each with its statistics, as ANALYZE writes them: else SQLite's optimize analyses the whole table again (ADR-0045).
            var analysed = await db.Database.SqlQueryRaw<string>("SELECT idx AS \"Value\" FROM sqlite_stat1 WHERE tbl = 'customers' AND instr(idx, 'behavior_') > 0").ToListAsync(Ct);
            Assert.Equal(indexes.Order(), analysed.Order());
            // Created after the rebuild's commit (ADR-0046), and their record with them gone.
            Assert.Equal([0], await db.Database.SqlQueryRaw<int>($"SELECT COUNT(*) AS \"Value\" FROM settings WHERE key LIKE '{BuildRollup.AsidePrefix}%'").ToListAsync(Ct));
            // Read through the rebuilt index of visits (the live customers): none of those with events is left without.
            Assert.Equal([0], await db.Database.SqlQueryRaw<int>("SELECT COUNT(*) AS \"Value\" FROM customers INDEXED BY ix_customers_live_behavior_visits " +
                                                                 "WHERE deleted_at IS NULL AND behavior_visits IS NULL AND external_id NOT IN ('C41', 'C42')").ToListAsync(Ct));
        }
    }

    [Fact]
    public async Task AnIndexARebuildCommittedWithoutIsCreatedByTheNextCatchUp()
    {
        await using var kit = await ImportKit.StartAsync(DatabaseProvider.Sqlite);
        var admin = await kit.AdminAsync();
        await kit.ImportAsync(ImportKind.Customers, kit.Csv("customer_id,name", [.. Enumerable.Range(1, 5).Select(i => $"C{i},Person {i}")]), admin);
        await kit.ImportAsync(ImportKind.Events, kit.Csv("event_id,customer_id,event_type,behavior_time,page", [.. Enumerable.Range(1, 20).Select(i =>
            $"{i},C{i % 5 + 1},access,2026-02-{i:00}T09:00:00Z,/")]), admin);
        await kit.RunAsync(sp => sp.GetRequiredService<BehaviorRollup>().CatchUpAsync(Ct));
        const string index = "ix_customers_live_behavior_visits";
        string create;
        // What a crash between the rebuild's commit and the index builds leaves (ADR-0046): the index gone, its record there.
        await using (var db = kit.Open())
        {
            create = (await db.Database.SqlQueryRaw<string>($"SELECT sql AS \"Value\" FROM sqlite_master WHERE name = '{index}'").ToListAsync(Ct)).Single();
            await db.Database.ExecuteSqlRawAsync($"DROP INDEX {index}", Ct);
            await db.Database.ExecuteSqlRawAsync("INSERT INTO settings (key, value) VALUES ({0}, {1})", [BuildRollup.AsidePrefix + index, create], Ct);
        }
        var outcome = await kit.RunAsync(sp => sp.GetRequiredService<BehaviorRollup>().CatchUpAsync(Ct));
        Assert.Equal(0, outcome.Events); // nothing new to count: the round only built the index
        await using (var db = kit.Open())
        {
            Assert.Equal([create], await db.Database.SqlQueryRaw<string>($"SELECT sql AS \"Value\" FROM sqlite_master WHERE name = '{index}'").ToListAsync(Ct));
            Assert.Equal([1], await db.Database.SqlQueryRaw<int>($"SELECT COUNT(*) AS \"Value\" FROM sqlite_stat1 WHERE idx = '{index}'").ToListAsync(Ct));
            Assert.Equal([0], await db.Database.SqlQueryRaw<int>($"SELECT COUNT(*) AS \"Value\" FROM settings WHERE key LIKE '{BuildRollup.AsidePrefix}%'").ToListAsync(Ct));
        }
    }

    [Fact]
    public async Task TheServersRebuildLetsBatchesAndMergesCommitBetweenItsWritesAndEndsWhereTheRebuildInSqlEnds()
    {
        await using var kit = await ImportKit.StartAsync(DatabaseProvider.Sqlite);
        var admin = await kit.AdminAsync();
        await kit.ImportAsync(ImportKind.Customers, kit.Csv("customer_id,name", [.. Enumerable.Range(1, 40).Select(i => $"C{i},Person {i}")]), admin);
        var random = new Random(11);
        await kit.ImportAsync(ImportKind.Events, kit.Csv("event_id,customer_id,event_type,behavior_time,page", [.. Enumerable.Range(1, 600).Select(i =>
            $"{i},C{random.Next(1, 40)},{(i % 3 == 0 ? "like" : "access")},2026-02-{random.Next(1, 28):00}T{random.Next(24):00}:00:00Z,/")]), admin);
        await kit.ImportAsync(ImportKind.Purchases, kit.Csv("order_id,customer_id,order_time,amount", [.. Enumerable.Range(1, 20).Select(i => $"P{i},C{random.Next(1, 41)},2026-02-0{random.Next(1, 9)}T09:00:00Z,{i}")]), admin);
        await kit.RunAsync(sp => sp.GetRequiredService<BehaviorRollup>().CatchUpAsync(Ct));
        var (c1, c2) = (await kit.CustomerAsync("C1"), await kit.CustomerAsync("C2"));
        var writes = 0;
        // Between two writes of the rebuild another connection stores a batch of the events API: it would wait for the
        // writer (and fail after busy_timeout) if the rebuild held it throughout. The third write's gap also merges two
        // customers (their stale marks come after the rebuild began), and the first run stops after its fourth write.
        void Between(bool stop)
        {
            writes++;
            Task.Run(async () =>
            {
                var now = DateTime.UtcNow;
                await using var db = kit.Open();
                var id = $"{(stop ? "stopped" : "during")}-{writes}";
                var batch = new EventBatch([Event(0, id + "a", "C1"), Event(1, id + "b", "C39"), Event(2, id + "c", "C2")], null, "api", null, now);
                var written = await (await EventBatchCommits.CommitTogetherAsync(db, [batch]))[0];
                Assert.Equal(3, written.Accepted);
                if (writes == 3 && !stop)
                    await kit.RunAsync(sp => sp.GetRequiredService<MergeCustomers>().HandleAsync(c1.Id, new MergeInput { MergeId = c2.Id }, null, admin, ActorKind.User, Ct));
            }, Ct).GetAwaiter().GetResult();
            if (stop && writes == 4) throw new InvalidOperationException("stopped");
        }
        var previous = BuildRollup.BucketsPerPass;
        BuildRollup.BucketsPerPass = 150; // several passes, each written in several transactions
        try
        {
            // A rebuild that stops half way leaves the rollup marked as being rebuilt: the next round rebuilds, and never
            // adds the events after the old watermark to customers the stopped one counted already.
            await Assert.ThrowsAsync<InvalidOperationException>(() => kit.RunAsync(sp =>
            {
                var rollup = sp.GetRequiredService<BehaviorRollup>();
                (rollup.RowsPerWrite, rollup.BetweenWrites) = (10, () => Between(stop: true));
                return rollup.RebuildInChunksAsync(0, null, Ct);
            }));
            await using (var db = kit.Open())
                Assert.Equal(1, await db.Settings.CountAsync(s => s.Key == "behavior.rollup.rebuild", Ct));
            writes = 0;
            var outcome = await kit.RunAsync(async sp =>
            {
                var rollup = sp.GetRequiredService<BehaviorRollup>();
                (rollup.RowsPerWrite, rollup.BetweenWrites) = (10, () => Between(stop: false));
                await using var db = kit.Open();
                // The server's round, with no new event since the last and a dozen to add: it rebuilds (the stopped one is
                // under way), in writes of ten rows.
                return await rollup.CatchUpAsync(100_000, await db.BehaviorEvents.MaxAsync(e => e.Id, Ct), Ct);
            });
            Assert.True(outcome is { Rebuilt: true, InOrder: true }, outcome.ToString());
            Assert.True(outcome.Writes > 10, $"{outcome.Writes} writes");
            Assert.Equal(outcome.Writes, writes);
        }
        finally
        {
            BuildRollup.BucketsPerPass = previous;
        }
        // The batches stored meanwhile are after the rebuild's watermark, and the merged customers are stale: the next
        // catch-up counts them, and the rollup is what the rebuild in SQL counts.
        var caughtUp = await kit.RunAsync(sp => sp.GetRequiredService<BehaviorRollup>().CatchUpAsync(Ct));
        Assert.Equal((3L * writes, 2L), (caughtUp.Events, caughtUp.Recounted));
        var incremental = await TablesAsync(kit);
        await kit.RunAsync(sp => sp.GetRequiredService<BehaviorRollup>().RebuildAsync(inOrder: false, null, Ct));
        Assert.Equal(await TablesAsync(kit), incremental);
        Assert.Contains(incremental, line => line.StartsWith("totals C1 access ", StringComparison.Ordinal));
    }

    internal static IncomingEvent Event(int index, string id, string externalId) => new()
    {
        Index = index, EventId = id, ReferenceKind = EventReference.ExternalId, ReferenceValue = externalId, Type = "access",
        OccurredAt = new DateTime(2026, 2, 3, 10, index, 0, DateTimeKind.Utc),
    };

    [Fact]
    public async Task ATimestampInAnotherFormFallsBackToTheRebuildInSql()
    {
        await using var kit = await ImportKit.StartAsync(DatabaseProvider.Sqlite);
        var admin = await kit.AdminAsync();
        await kit.ImportAsync(ImportKind.Customers, kit.Csv("customer_id,name", "C1,Ann"), admin);
        await kit.ImportAsync(ImportKind.Events, kit.Csv("event_id,customer_id,event_type,behavior_time,page", "1,C1,access,2026-02-01T10:00:00Z,/", "2,C1,access,2026-02-02T10:00:00Z,/"), admin);
        await using (var db = kit.Open())
            await db.Database.ExecuteSqlRawAsync("UPDATE behavior_events SET occurred_at = '2026-02-02T10:00:00.50' WHERE event_id = '2'", Ct);
        var outcome = await kit.RunAsync(sp => sp.GetRequiredService<BehaviorRollup>().RebuildAsync(Ct));
        Assert.False(outcome.InOrder);
        Assert.Contains("totals C1 access 2 2026-02-01 10:00:00 2026-02-02T10:00:00.50 0 0", await TablesAsync(kit));
    }

    [Fact]
    public void StoredTimesReadBackAsTheTextMicrosoftDataSqliteWrites()
    {
        using var connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT $t";
        var p = cmd.Parameters.Add("$t", SqliteType.Text);
        var random = new Random(7);
        var text = new byte[32];
        for (var i = 0; i < 5000; i++)
        {
            var at = new DateTime(2000, 1, 1).AddTicks((long)(random.NextDouble() * 40 * TimeSpan.TicksPerDay * 365) / (i % 3 == 0 ? 10_000_000 : i % 3 == 1 ? 10_000 : 1) * (i % 3 == 0 ? 10_000_000 : i % 3 == 1 ? 10_000 : 1));
            p.Value = at;
            var stored = (string)cmd.ExecuteScalar()!;
            var bytes = System.Text.Encoding.ASCII.GetBytes(stored);
            Assert.True(BuildRollup.StoredTime.TryDay(bytes, bytes.Length, out var day), stored);
            Assert.True(BuildRollup.StoredTime.TryTimeOfDay(bytes, bytes.Length, out var time), stored);
            Assert.Equal(at.Ticks, day + time);
            Assert.Equal(stored, System.Text.Encoding.ASCII.GetString(text, 0, BuildRollup.StoredTime.Format(day + time, text)));
        }
        foreach (var other in new[] { "2026-02-02T10:00:00", "2026-02-02 10:00:00.50", "2026-02-30 10:00:00", "2026-02-02 24:00:00", "2026-02-02 10:00", "2026-02-02 10:00:00Z" })
        {
            var bytes = System.Text.Encoding.ASCII.GetBytes(other + new string(' ', 12));
            var length = other.Length;
            Assert.False(BuildRollup.StoredTime.TryDay(bytes, length, out _) && BuildRollup.StoredTime.TryTimeOfDay(bytes, length, out _), other);
        }
    }

    /// <summary>behavior_days, behavior_totals and every customer's summary columns, each value as the database gives it.</summary>
    private static async Task<List<string>> TablesAsync(ImportKit kit)
    {
        var lines = new List<string>();
        await using var db = kit.Open();
        await Read("days", "SELECT c.external_id, d.type, d.day, d.events, d.first_at, d.last_at, d.amount_events, d.amount_micros FROM behavior_days d " +
                           "JOIN customers c ON c.id = d.customer_id ORDER BY d.customer_id, d.type, d.day");
        await Read("totals", "SELECT c.external_id, t.type, t.events, t.first_at, t.last_at, t.amount_events, t.amount_micros FROM behavior_totals t " +
                             "JOIN customers c ON c.id = t.customer_id ORDER BY t.customer_id, t.type");
        await Read("customer", "SELECT external_id, behavior_first_seen_at, behavior_last_seen_at, behavior_last_purchase_at, behavior_visits, behavior_likes, " +
                               $"behavior_purchases, behavior_revenue_micros FROM {BehaviorRollupTests.SummaryOfCustomers(kit.Provider)} ORDER BY id");
        return lines;

        async Task Read(string table, string sql)
        {
            await db.Database.OpenConnectionAsync(Ct);
            await using var cmd = db.Database.GetDbConnection().CreateCommand();
            cmd.CommandText = sql;
            await using var r = await cmd.ExecuteReaderAsync(Ct);
            while (await r.ReadAsync(Ct))
                lines.Add(table + " " + string.Join(' ', Enumerable.Range(0, r.FieldCount).Select(i => r.IsDBNull(i) ? "-" : Value(r.GetValue(i)))));
        }

        static string Value(object v) => v is DateTime t ? t.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture) : Convert.ToString(v, CultureInfo.InvariantCulture)!;
    }

    private sealed class Collect(List<RollupProgress> into) : IProgress<RollupProgress>
    {
        public void Report(RollupProgress value) => into.Add(value);
    }
}
