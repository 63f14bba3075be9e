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

        await using (await BulkMode.EnterAsync(db, job, Ct))
            Assert.Equal(1, await Sql.ExecAsync(db, orphan, Ct));
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

    [Fact]
    public async Task RowsWrittenWithoutTheForeignKeyCheckWhoseCustomerIsGoneAreRemovedAndTheCheckComesBack()
    {
        await using var kit = await ImportKit.StartAsync(DatabaseProvider.Sqlite);
        await using var db = kit.Open();
        await db.Database.OpenConnectionAsync(Ct);
        const string orphan = "INSERT INTO behavior_events (customer_id, type, occurred_at) VALUES (424242, 'access', '2024-01-01 00:00:00')";

        await using (await UncheckedCustomers.StartAsync(db, ImportKind.Events, Ct))
            Assert.Equal(1, await Sql.ExecAsync(db, orphan, Ct));
        var refused = await Assert.ThrowsAsync<SqliteException>(() => Sql.ExecAsync(db, orphan, Ct));
        Assert.Contains("FOREIGN KEY", refused.Message);

        Assert.Equal(1, await UncheckedCustomers.RemoveOrphansAsync(db, "behavior_events", Ct));
        Assert.Equal(0, await db.BehaviorEvents.CountAsync(Ct));
    }
}
