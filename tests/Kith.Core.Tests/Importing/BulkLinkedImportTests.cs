using Kith.Core.Importing;
using Kith.Core.Infrastructure;
using Kith.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Tests.Importing;

/// <summary>
/// Purchases, communications and events from a file big enough for bulk mode: indexes set aside and the foreign-key
/// check of each row against customers too (ADR-0030 on SQLite, ADR-0041 on PostgreSQL). What is stored and refused must be what a small import stores and refuses.
/// </summary>
public sealed class BulkLinkedImportTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task ABulkImportLinksEveryRowRefusesUnknownCustomersWithLineAndColumnAndChecksForeignKeysAgainAfterwards(DatabaseProvider provider)
    {
        await using var kit = await ImportKit.StartAsync(provider);
        var admin = await kit.AdminAsync();
        await kit.ImportAsync(ImportKind.Customers, kit.Csv("customer_id,name", [.. Enumerable.Range(1, 100).Select(i => $"C{i},Customer {i}")]), admin);
        var count = (int)BulkMode.MinRows + 10;
        // Every 10,000th order names a customer that does not exist.
        var rows = Enumerable.Range(1, count).Select(i => $"O{i},{(i % 10_000 == 0 ? "C404" : $"C{i % 100 + 1}")},2024-01-01T10:{i % 60:00}:00Z,{i % 7}.25");
        var job = await kit.StartAsync(ImportKind.Purchases, kit.Csv("order_id,customer_id,order_time,amount", [.. rows]), admin);

        await using var db = kit.Open();
        var report = await new ImportRunner(db, kit.Clock).RunAsync(job.Id, null, Ct);

        var refused = count / 10_000;
        Assert.Equal((count - refused, (long)refused), (report.Created, report.Rejected));
        Assert.All(report.Errors, e => Assert.Equal("customer_id", e.Column));
        Assert.Equal(Enumerable.Range(1, refused).Select(k => k * 10_000 + 1), report.Errors.Select(e => e.Line));
        if (provider == DatabaseProvider.Sqlite)
        {
            // The import's connection is still open: it must check foreign keys again.
            long on = -1;
            await Sql.ReadAsync(db, "PRAGMA foreign_keys", r => on = r.GetInt64(0), Ct);
            Assert.Equal(1, on);
        }
        var customers = await db.Customers.AsNoTracking().ToDictionaryAsync(c => c.Id, c => c.ExternalId, Ct);
        var stored = await db.Purchases.AsNoTracking().Select(p => new { p.OrderId, p.CustomerId }).ToListAsync(Ct);
        Assert.Equal(count - refused, stored.Count);
        Assert.All(stored, p => Assert.Equal($"C{int.Parse(p.OrderId![1..]) % 100 + 1}", customers[p.CustomerId]));
        Assert.False(await db.Settings.AnyAsync(s => s.Key.StartsWith("import.bulk."), Ct));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task BulkModeSetsTheCheckAgainstCustomersAsideAndOnItsEndRemovesRowsWhoseCustomerIsGoneAndChecksAgain(DatabaseProvider provider)
    {
        await using var kit = await ImportKit.StartAsync(provider);
        var admin = await kit.AdminAsync();
        var rows = Enumerable.Range(1, (int)BulkMode.MinRows + 10).Select(i => $"E{i},C1,access,2024-01-01T10:00:00Z");
        var job = await kit.StartAsync(ImportKind.Events, kit.Csv("event_id,customer_id,event_type,behavior_time", [.. rows]), admin);
        await using var db = kit.Open();
        await db.Database.OpenConnectionAsync(Ct);
        var orphan = "INSERT INTO behavior_events (customer_id, type, occurred_at) VALUES (424242, 'access', " +
                     (provider == DatabaseProvider.Sqlite ? "'2024-01-01 00:00:00')" : "TIMESTAMPTZ '2024-01-01 00:00:00Z')");
        const string keys = "SELECT conname || ' ' || pg_get_constraintdef(oid) || ' ' || convalidated FROM pg_constraint " +
                            "WHERE conrelid = 'behavior_events'::regclass AND contype = 'f' ORDER BY conname";
        var before = new List<string>();
        if (provider == DatabaseProvider.Postgres) await Sql.ReadAsync(db, keys, r => before.Add(r.GetString(0)), Ct);

        await kit.ImportAsync(ImportKind.Customers, kit.Csv("customer_id,name", "C9,Nine"), admin);
        var gone = await db.Customers.Where(c => c.ExternalId == "C9").Select(c => c.Id).SingleAsync(Ct);

        // An event stored for a customer who is then removed for good while the check is aside: the removal does not
        // cascade over it, as it would have with the check on.
        await using (await BulkMode.EnterAsync(db, job, Ct))
        {
            Assert.Equal(1, await Sql.ExecAsync(db, orphan.Replace("424242", gone.ToString(System.Globalization.CultureInfo.InvariantCulture)), Ct));
            Assert.Equal(1, await Sql.ExecAsync(db, $"DELETE FROM customers WHERE id = {gone}", Ct));
            Assert.Equal(1, await db.BehaviorEvents.CountAsync(Ct));
        }
        await BulkMode.ExitAsync(db, job.Id, Ct);

        Assert.Equal(0, await db.BehaviorEvents.CountAsync(Ct));
        await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => Sql.ExecAsync(db, orphan, Ct));
        Assert.False(await db.Settings.AnyAsync(s => s.Key.StartsWith("import.bulk."), Ct));
        if (provider == DatabaseProvider.Postgres)
        {
            var after = new List<string>();
            await Sql.ReadAsync(db, keys, r => after.Add(r.GetString(0)), Ct);
            Assert.Equal(["fk_behavior_events_customers_customer_id FOREIGN KEY (customer_id) REFERENCES customers(id) ON DELETE CASCADE true"], before);
            Assert.Equal(before, after);
        }
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task ABulkImportCommitsSeveralBatchesAtOnceAndStoppedAfterACommitResumesThereStoringEachRowOnce(DatabaseProvider provider)
    {
        await using var kit = await ImportKit.StartAsync(provider);
        var count = ImportRunner.RowsPerBulkCommit + 2 * ImportRunner.BatchSize + 7;
        var events = Events(count);
        // The same event id again: in a later batch of the first commit, and in the second commit (refused both times as
        // a repeat of an earlier line, whichever commit holds the first); one event names no stored customer.
        (events[ImportRunner.BatchSize + 2], events[ImportRunner.RowsPerBulkCommit + 3]) = ("E3,C1,access,2024-01-01T10:00:00Z,/p", "E4,C1,like,2024-01-01T10:00:00Z,/p");
        events[ImportRunner.RowsPerBulkCommit + ImportRunner.BatchSize + 1] = "E-unknown,C404,access,2024-01-01T10:00:00Z,/p";
        var admin = await kit.AdminAsync();
        await kit.ImportAsync(ImportKind.Customers, kit.Csv("customer_id,name", [.. Enumerable.Range(1, 100).Select(i => $"C{i},Customer {i}")]), admin);
        var job = await kit.StartAsync(ImportKind.Events, kit.Csv("event_id,customer_id,event_type,behavior_time,page", events), admin);

        // The process stops (as a crash would) once the first commit is in: it holds whole batches, and the job is left running.
        using var stopping = new CancellationTokenSource();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            kit.RunJobAsync(job.Id, Ct, stopping.Token, new ImportJobTests.OnFirstBatch(stopping.Cancel)));
        var halfway = await kit.JobAsync(job.Id);
        Assert.Equal((ImportStatus.Running, ImportRunner.RowsPerBulkCommit + 1, (long)ImportRunner.RowsPerBulkCommit),
            (halfway.Status, halfway.LastCommittedLine, halfway.RowsRead));
        await using (var db = kit.Open())
            Assert.Equal(ImportRunner.RowsPerBulkCommit - 1, await db.BehaviorEvents.CountAsync(Ct));

        var report = await kit.RunJobAsync(job.Id, Ct);

        Assert.Equal(("completed", (long)count - 3, 2L, 1L), (report.Status, report.Created, report.Rejected, report.Summary!.PendingEvents));
        Assert.Equal([ImportRunner.BatchSize + 4, ImportRunner.RowsPerBulkCommit + 5], report.Errors.Select(e => e.Line));
        Assert.All(report.Errors, e => Assert.Contains("appears again", e.Message));
        await using (var db = kit.Open())
        {
            var ids = await db.BehaviorEvents.AsNoTracking().Select(e => e.EventId).ToListAsync(Ct);
            Assert.Equal((count - 3, count - 3), (ids.Count, ids.Distinct().Count()));
            Assert.Equal(1, await db.PendingEvents.CountAsync(Ct));
            Assert.False(await db.Settings.AnyAsync(s => s.Key.StartsWith("import."), Ct));
        }
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task AnIdRepeatedInsideALaterBatchNamesItsFirstLineThereAndOneRepeatedFromAnEarlierBatchSaysSo(DatabaseProvider provider)
    {
        await using var kit = await ImportKit.StartAsync(provider);
        var count = 2 * ImportRunner.BatchSize + 10;
        var events = Events(count);
        // In the second batch: E2 again (first in the first batch), and that batch's own first id again a few lines on.
        var second = ImportRunner.BatchSize;   // the second batch's first row (line BatchSize + 2)
        events[second + 3] = "E2,C1,access,2024-01-01T10:00:00Z,/p";
        events[second + 5] = events[second];
        var admin = await kit.AdminAsync();
        await kit.ImportAsync(ImportKind.Customers, kit.Csv("customer_id,name", [.. Enumerable.Range(1, 100).Select(i => $"C{i},Customer {i}")]), admin);
        var job = await kit.StartAsync(ImportKind.Events, kit.Csv("event_id,customer_id,event_type,behavior_time,page", events), admin);

        var report = await kit.RunJobAsync(job.Id, Ct);

        Assert.Equal(("completed", (long)count - 2, 2L), (report.Status, report.Created, report.Rejected));
        Assert.Equal(
            [(second + 5, "The id 'E2' appears again; it was first on an earlier line of this file."),
             (second + 7, $"The id 'E{second + 1}' appears again; it was first on line {second + 2}.")],
            report.Errors.Select(e => (e.Line, e.Message)));
    }

    [Fact]
    public async Task RowsWrittenWithoutTheForeignKeyCheckWhoseCustomerIsGoneAreRemovedAndTheCheckComesBack()
    {
        await using var kit = await ImportKit.StartAsync(DatabaseProvider.Sqlite);
        await using var db = kit.Open();
        await db.Database.OpenConnectionAsync(Ct);
        const string orphan = "INSERT INTO behavior_events (customer_id, type, occurred_at) VALUES (424242, 'access', '2024-01-01 00:00:00')";

        await using (await UncheckedCustomers.StartAsync(db, new ImportJob { Id = 7, Kind = ImportKind.Events }, fresh: false, Ct))
            Assert.Equal(1, await Sql.ExecAsync(db, orphan, Ct));
        var refused = await Assert.ThrowsAsync<SqliteException>(() => Sql.ExecAsync(db, orphan, Ct));
        Assert.Contains("FOREIGN KEY", refused.Message);

        Assert.Equal(1, await UncheckedCustomers.RemoveOrphansAsync(db, "behavior_events", Ct));
        Assert.Equal(0, await db.BehaviorEvents.CountAsync(Ct));
    }

    private static string[] Events(int count) =>
        [.. Enumerable.Range(1, count).Select(i => $"E{i},C{i % 100 + 1},access,2024-01-01T10:{i % 60:00}:00Z,/p")];

    /// <summary>A bulk events import, not run yet, of <paramref name="count"/> events for customers C1 to C100 (stored).</summary>
    private static async Task<ImportJob> EventsJobAsync(ImportKit kit, int count)
    {
        var admin = await kit.AdminAsync();
        await kit.ImportAsync(ImportKind.Customers, kit.Csv("customer_id,name", [.. Enumerable.Range(1, 100).Select(i => $"C{i},Customer {i}")]), admin);
        return await kit.StartAsync(ImportKind.Events, kit.Csv("event_id,customer_id,event_type,behavior_time,page", Events(count)), admin);
    }

    /// <summary>Every event but those of C8 is stored, no event names a missing customer, and no watch is left.</summary>
    private static async Task AssertAllButC8sEventsStoredAsync(ImportKit kit, int count)
    {
        await using var db = kit.Open();
        var perCustomer = Events(count).Count(e => e.Split(',')[1] == "C8");
        Assert.Equal((count - perCustomer, 0L, 0L), await StateAsync(db));
    }

    private static async Task<(long Events, long Orphans, long Watches)> StateAsync(KithDb db)
    {
        long events = 0, orphans = 0, watches = 0;
        await Sql.ReadAsync(db, "SELECT COUNT(*), SUM(NOT EXISTS (SELECT 1 FROM customers c WHERE c.id = e.customer_id)) FROM behavior_events e",
            r => (events, orphans) = (r.GetInt64(0), r.IsDBNull(1) ? 0 : r.GetInt64(1)), Ct);
        await Sql.ReadAsync(db, "SELECT (SELECT COUNT(*) FROM sqlite_master WHERE name LIKE 'import_unchecked_%') + (SELECT COUNT(*) FROM settings WHERE key LIKE 'import.%')",
            r => watches = r.GetInt64(0), Ct);
        return (events, orphans, watches);
    }

    [Fact]
    public async Task ACustomerRemovedByAnotherConnectionWhileABulkImportRunsLeavesNoRowNamingIt()
    {
        await using var kit = await ImportKit.StartAsync(DatabaseProvider.Sqlite);
        var count = (int)BulkMode.MinRows + 10;
        var job = await EventsJobAsync(kit, count);

        // Erased after the first batch: its events stored so far go with it (the other connection checks foreign
        // keys), and the import, which loaded it before, goes on writing rows for it unchecked.
        var report = await kit.RunJobAsync(job.Id, Ct, progress: new ImportJobTests.OnFirstBatch(() =>
        {
            using var other = kit.Open();
            Assert.Equal(1, other.Database.ExecuteSqlRaw("DELETE FROM customers WHERE external_id = 'C8'"));
        }));

        Assert.Equal((long)count, report.Created);
        await AssertAllButC8sEventsStoredAsync(kit, count);
    }

    [Fact]
    public async Task ACustomerRemovedWhileABulkImportIsStoppedLeavesNoRowNamingItWhenTheImportResumes()
    {
        await using var kit = await ImportKit.StartAsync(DatabaseProvider.Sqlite);
        var count = (int)BulkMode.MinRows + 10;
        var job = await EventsJobAsync(kit, count);
        using var stopping = new CancellationTokenSource();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            kit.RunJobAsync(job.Id, Ct, stopping.Token, new ImportJobTests.OnFirstBatch(stopping.Cancel)));
        // Removed with foreign keys off, as a connection writing unchecked would: its events stay behind.
        await using (var other = kit.Open())
        {
            await other.Database.OpenConnectionAsync(Ct);
            await other.Database.ExecuteSqlRawAsync("PRAGMA foreign_keys=OFF", Ct);
            Assert.Equal(1, await other.Database.ExecuteSqlRawAsync("DELETE FROM customers WHERE external_id = 'C8'", Ct));
        }

        await kit.RunJobAsync(job.Id, Ct);

        Assert.Equal(ImportStatus.Completed, (await kit.JobAsync(job.Id)).Status);
        await AssertAllButC8sEventsStoredAsync(kit, count);
    }

    [Fact]
    public async Task AJobThatSetTheCheckAsideLooksForOrphansOnlyWhenACustomerWasRemovedOrItCannotTell()
    {
        await using var kit = await ImportKit.StartAsync(DatabaseProvider.Sqlite);
        var admin = await kit.AdminAsync();
        await kit.ImportAsync(ImportKind.Customers, kit.Csv("customer_id,name", "C1,One", "C2,Two"), admin);
        await using var db = kit.Open();
        await db.Database.OpenConnectionAsync(Ct);
        var watched = new ImportJob { Id = 41, Kind = ImportKind.Events };
        var resumed = new ImportJob { Id = 42, Kind = ImportKind.Events };

        await using (await UncheckedCustomers.StartAsync(db, watched, fresh: true, Ct))
        await using (await UncheckedCustomers.StartAsync(db, resumed, fresh: false, Ct))
        {
            Assert.False(await UncheckedCustomers.MayHaveOrphansAsync(db, watched.Id, Ct));
            // A resumed job that never watched cannot tell.
            Assert.True(await UncheckedCustomers.MayHaveOrphansAsync(db, resumed.Id, Ct));
            // A change that removes no customer is no reason to look.
            await using (var other = kit.Open())
                await other.Database.ExecuteSqlRawAsync("UPDATE customers SET name = 'Uno' WHERE external_id = 'C1'", Ct);
            Assert.False(await UncheckedCustomers.MayHaveOrphansAsync(db, watched.Id, Ct));
            await using (var other = kit.Open())
                await other.Database.ExecuteSqlRawAsync("DELETE FROM customers WHERE external_id = 'C2'", Ct);
            Assert.True(await UncheckedCustomers.MayHaveOrphansAsync(db, watched.Id, Ct));
        }

        await UncheckedCustomers.StopWatchingAsync(db, watched.Id, Ct);
        Assert.Equal(0L, (await StateAsync(db)).Watches);
        // Once it stopped watching, the job does not know any more.
        Assert.True(await UncheckedCustomers.MayHaveOrphansAsync(db, watched.Id, Ct));
    }
}
