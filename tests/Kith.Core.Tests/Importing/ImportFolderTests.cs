using Kith.Core.Identity;
using Kith.Core.Importing;
using Kith.Core.Infrastructure;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kith.Core.Tests.Importing;

/// <summary>
/// A folder import (`kith import all DIR`): the kinds read from the file names, the dependency order, one job per
/// file; and the file a CLI import links instead of copying, which resumes only while it is unchanged.
/// </summary>
public sealed class ImportFolderTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void KindsAreReadFromFileNamesTheMostSpecificFirst()
    {
        Assert.Equal(ImportKind.Customers, ImportFolder.KindOf("customer_data.csv"));
        Assert.Equal(ImportKind.Events, ImportFolder.KindOf("customer_events.csv"));
        Assert.Equal(ImportKind.Purchases, ImportFolder.KindOf("Orders 2024.xlsx"));
        Assert.Equal(ImportKind.Companies, ImportFolder.KindOf("companies.tsv"));
        Assert.Equal(ImportKind.Customers, ImportFolder.KindOf("客户.csv"));
        Assert.Null(ImportFolder.KindOf("duplicates_truth.csv"));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task AFolderOfGenDataFilesImportsEveryKindInDependencyOrderEachAsItsOwnJobWithItsLinks(DatabaseProvider provider)
    {
        await using var kit = await ImportKit.StartAsync(provider);
        var scope = await kit.AdminAsync();
        var folder = GenDataFiles.Folder(kit.Database.Folder);

        var plan = ImportFolder.Plan(folder);
        Assert.Equal([ImportKind.Customers, ImportKind.Purchases, ImportKind.Communications, ImportKind.Events], plan.Files.Select(f => f.Kind));
        Assert.Equal(["README.md", "duplicates_truth.csv"], plan.Skipped.Select(s => s.File).Order(StringComparer.Ordinal));
        var report = await kit.RunAsync(sp => new ImportFolder(sp.GetRequiredService<KithDb>(), kit.Database.Options, kit.Clock)
            .HandleAsync(plan, new ImportOptions(), scope, ActorKind.Cli, (_, _) => null, Ct));

        Assert.Equal("completed", report.Status);
        Assert.Equal(["customer_data.csv", "purchase_data.csv", "communication_data.csv", "behavior_data.csv"], report.Files.Select(f => f.File));
        Assert.Equal([3L, 3, 1, 2], report.Files.Select(f => f.Report.Created));
        Assert.Equal(9, report.Created);
        Assert.Equal(0, report.Rejected);
        await using var db = kit.Open();
        var jobs = await db.ImportJobs.AsNoTracking().OrderBy(j => j.Id).ToListAsync(Ct);
        Assert.Equal(report.Files.Select(f => f.Report.JobId), jobs.Select(j => j.Id));
        Assert.All(jobs, j => Assert.Equal(ImportStatus.Completed, j.Status));
        var ids = await db.Customers.AsNoTracking().ToDictionaryAsync(c => c.ExternalId!, c => c.Id, Ct);
        Assert.Equal([ids["2"], ids["2"], ids["3"]], (await db.Purchases.AsNoTracking().Select(p => p.CustomerId).ToListAsync(Ct)).Order());
        Assert.Equal(ids["1"], (await db.Communications.AsNoTracking().SingleAsync(Ct)).CustomerId);
        Assert.Equal([ids["1"], ids["3"]], (await db.BehaviorEvents.AsNoTracking().Select(e => e.CustomerId).ToListAsync(Ct)).Order());
        Assert.All(await db.Purchases.AsNoTracking().ToListAsync(Ct), p => Assert.Equal(jobs[1].Id, p.ImportJobId));
        // Each file is linked, not copied, and the links are gone once the jobs ended: the user's files stay.
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(kit.Database.Options.DataDirectory, "imports")));
        Assert.True(File.Exists(Path.Combine(folder, "behavior_data.csv")));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task ABulkCustomerFileBeforeEventsLeavesItsBehaviourIndexesForAfterTheSummaryThoughAnotherProcessRepairsAndBuildsThemEvenWhenTheSummaryFails(DatabaseProvider provider)
    {
        await using var kit = await ImportKit.StartAsync(provider);
        var scope = await kit.AdminAsync();
        var folder = Path.Combine(kit.Database.Folder, "bulk");
        Directory.CreateDirectory(folder);
        await File.WriteAllLinesAsync(Path.Combine(folder, "customer_data.csv"),
            ["customer_id,name", .. Enumerable.Range(1, (int)BulkMode.MinRows + 10).Select(i => $"{i},Customer {i}")], Ct);
        await File.WriteAllTextAsync(Path.Combine(folder, "behavior_data.csv"), "event_id,customer_id,event_type,behavior_time\n1,3,access,2022-01-01T00:00:32Z\n", Ct);
        await using var before = kit.Open();
        var all = await BehaviorIndexesAsync(before);
        // On PostgreSQL the summary lives in customer_behavior (ADR-0043): customers has no index over it.
        Assert.Equal(provider == DatabaseProvider.Sqlite ? 7 : 0, all.Count);
        var secondary = await SecondaryIndexesAsync(before);

        List<string>? during = null;
        List<string>? secondaryDuring = null;
        FolderImportReport? imported = null;
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => kit.RunAsync(async sp =>
        {
            var db = sp.GetRequiredService<KithDb>();
            return await new ImportFolder(db, kit.Database.Options, kit.Clock).HandleAsync(ImportFolder.Plan(folder), new ImportOptions(), scope, ActorKind.Cli,
                (_, _) => null, Ct, async report =>
                {
                    // A server's import worker (or another import) repairs what ended imports left aside: not what this one still holds.
                    await using (var elsewhere = kit.Open()) await ImportRunner.RepairAsync(elsewhere, Ct);
                    (imported, during, secondaryDuring) = (report, await BehaviorIndexesAsync(db), await SecondaryIndexesAsync(db));
                    throw new InvalidOperationException("the summary failed");
                });
        }));

        Assert.Equal("the summary failed", failure.Message);
        Assert.Equal([BulkMode.MinRows + 10, 1L], imported!.Files.Select(f => f.Report.Created));
        Assert.Empty(during!);
        // On PostgreSQL the summary no longer writes customers (ADR-0043), so none of their indexes waits for it.
        Assert.Equal(secondary.Except(all), secondaryDuring);
        await using var db = kit.Open();
        Assert.Equal(all, await BehaviorIndexesAsync(db));
        Assert.Equal(secondary, await SecondaryIndexesAsync(db));
        Assert.False(await db.Settings.AnyAsync(s => s.Key.StartsWith("import.bulk."), Ct));
        Assert.Equal(BulkMode.MinRows + 10, await db.Customers.Where(c => c.Name.StartsWith("Customer ")).LongCountAsync(Ct));
        if (provider == DatabaseProvider.Postgres)
        {
            // The bulk copy of customers gave each of them its summary row (the statement trigger, ADR-0043).
            var missing = await db.Database.SqlQueryRaw<long>("SELECT COUNT(*) AS \"Value\" FROM customers c WHERE NOT EXISTS (SELECT 1 FROM customer_behavior b WHERE b.id = c.id)").ToListAsync(Ct);
            Assert.Equal([0L], missing);
        }
    }

    /// <summary>The customers' indexes over their behaviour summary columns, by name.</summary>
    private static Task<List<string>> BehaviorIndexesAsync(KithDb db) => IndexesAsync(db,
        "type = 'index' AND instr(sql, 'behavior_') > 0", "indexdef LIKE '%behavior_%'");

    /// <summary>The customers' indexes that are not unique, by name.</summary>
    private static Task<List<string>> SecondaryIndexesAsync(KithDb db) => IndexesAsync(db,
        "type = 'index' AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%'", "indexdef NOT LIKE 'CREATE UNIQUE%'");

    private static async Task<List<string>> IndexesAsync(KithDb db, string sqliteWhere, string postgresWhere)
    {
        var names = new List<string>();
        await Sql.ReadAsync(db, db.Provider == DatabaseProvider.Sqlite
            ? $"SELECT name FROM sqlite_master WHERE tbl_name = 'customers' AND {sqliteWhere} ORDER BY name"
            : $"SELECT indexname FROM pg_indexes WHERE tablename = 'customers' AND schemaname = current_schema() AND {postgresWhere} ORDER BY indexname",
            r => names.Add(r.GetString(0)), Ct);
        return names;
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task ALinkedFileResumesWhileUnchangedAndAChangedOneEndsTheJobWithAClearMessage(DatabaseProvider provider)
    {
        await using var kit = await ImportKit.StartAsync(provider);
        var scope = await kit.AdminAsync();
        var path = kit.Csv("customer_id,name,email", "C1,Ann,ann@example.com", "C2,Bo,bo@example.com", "C3,Cy,cy@example.com");
        var job = await kit.RunAsync(sp => sp.GetRequiredService<StartImport>().HandleAsync(ImportKind.Customers, path, new ImportOptions(), scope, ActorKind.Cli, Ct, runHere: true));

        // The stored file is the user's file under another name: what is written to one shows in the other.
        Assert.Equal(new FileInfo(path).Length, new FileInfo(job.StoredPath).Length);
        await File.AppendAllTextAsync(path, "C4,Di,di@example.com\n", Ct);
        Assert.Equal(new FileInfo(path).Length, new FileInfo(job.StoredPath).Length);
        Assert.NotEqual(job.StoredSize, new FileInfo(path).Length);

        // As if the process died after committing line 2: the file no longer is the one those lines came from.
        await using (var db = kit.Open())
            await db.ImportJobs.Where(j => j.Id == job.Id).ExecuteUpdateAsync(s => s.SetProperty(j => j.LastCommittedLine, 2), Ct);
        var refused = await kit.RunJobAsync(job.Id, Ct);
        Assert.Equal("failed", refused.Status);
        Assert.Contains("changed since import", refused.Error);
        Assert.Empty(await kit.CustomersAsync());
        Assert.True(File.Exists(path));

        // Unchanged, a linked file resumes after the committed line (PostgreSQL keeps the time to the microsecond only).
        var again = kit.Csv("customer_id,name,email", "C1,Ann,ann@example.com", "C2,Bo,bo@example.com");
        var second = await kit.RunAsync(sp => sp.GetRequiredService<StartImport>().HandleAsync(ImportKind.Customers, again, new ImportOptions(), scope, ActorKind.Cli, Ct, runHere: true));
        await using (var db = kit.Open())
            await db.ImportJobs.Where(j => j.Id == second.Id).ExecuteUpdateAsync(s => s.SetProperty(j => j.LastCommittedLine, 2), Ct);
        var resumed = await kit.RunJobAsync(second.Id, Ct);
        Assert.True(resumed.Status == "completed", resumed.Error);
        Assert.Equal(["C2"], (await kit.CustomersAsync()).Select(c => c.ExternalId));
    }
}
