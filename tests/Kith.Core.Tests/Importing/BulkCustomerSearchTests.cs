using Kith.Core.Importing;
using Kith.Core.Infrastructure;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Tests.Importing;

/// <summary>
/// A customer file big enough for bulk mode on SQLite: the search index is rebuilt whole at the end with a larger term
/// buffer (ADR-0048), which must index every row as the insert trigger would and leave the index's settings as they were.
/// </summary>
public sealed class BulkCustomerSearchTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ABulkCustomerImportIndexesEveryRowForSearchAndLeavesTheSearchIndexSettingsAsTheyWere()
    {
        await using var kit = await ImportKit.StartAsync(DatabaseProvider.Sqlite);
        var admin = await kit.AdminAsync();
        await using (var before = kit.Open())
            Assert.Equal(["version"], await before.Database.SqlQueryRaw<string>("SELECT k AS \"Value\" FROM customers_search_config ORDER BY k").ToListAsync(Ct));
        var count = (int)BulkMode.MinRows + 10;
        var report = await kit.ImportAsync(ImportKind.Customers,
            kit.Csv("customer_id,name,email", [.. Enumerable.Range(1, count).Select(i => $"C{i},Customer {i},person{i}@example.com")]), admin);
        Assert.Equal(count, report.Created);

        await using var db = kit.Open();
        Assert.Equal(["version"], await db.Database.SqlQueryRaw<string>("SELECT k AS \"Value\" FROM customers_search_config ORDER BY k").ToListAsync(Ct));
        Assert.Equal((long)count, (await db.Database.SqlQueryRaw<long>("SELECT COUNT(*) AS \"Value\" FROM customers_search_docsize").ToListAsync(Ct)).Single());
        // A row's grams find exactly the rows holding all of them, as the insert trigger would have indexed them.
        var all = (await db.Customers.AsNoTracking().Select(c => new { c.Id, c.SearchGrams }).ToListAsync(Ct))
            .Select(c => (c.Id, Grams: c.SearchGrams.Split(' ').ToHashSet())).ToList();
        foreach (var id in new long[] { 1, count / 2, count })
        {
            var grams = all.Single(c => c.Id == id).Grams;
            var query = string.Join(" AND ", grams.Select(g => $"\"{g}\""));
            var found = await db.Database.SqlQuery<long>($"SELECT rowid AS \"Value\" FROM customers_search WHERE customers_search MATCH {query}").ToListAsync(Ct);
            var expected = all.Where(c => c.Grams.IsSupersetOf(grams)).Select(c => c.Id).Order().ToList();
            Assert.Contains(id, expected);
            Assert.Equal(expected, found.Order().ToList());
        }
        Assert.Equal("ok", (await db.Database.SqlQueryRaw<string>("PRAGMA integrity_check").ToListAsync(Ct)).Single());
        await db.Database.ExecuteSqlRawAsync("INSERT INTO customers_search(customers_search, rank) VALUES ('integrity-check', 1)", Ct);
    }
}
