using System.Text;
using System.Text.Json;
using Kith.Core.Importing;
using Kith.Core.Tests.Importing;
using Microsoft.EntityFrameworkCore;

namespace Kith.Tests.Importing;

/// <summary>
/// `kith import all DIR` in-process against a SQLite data folder: the combined report, the files it skips and the
/// exit codes. They swap Console streams, so they run alone.
/// </summary>
[Collection("Console")]
public sealed class ImportFolderCommandTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AFolderImportExitsZeroSkipsWhatIsNotDataAndWritesOneReportWithEachFilesReportAndTime()
    {
        await using var database = await ImportCommandTests.DataFolderAsync();
        var folder = GenDataFiles.Folder(database.Folder);
        var reportFile = Path.Combine(database.Folder, "report.json");

        var run = await ImportCommandTests.RunAsync("import", "all", folder, "--report", reportFile, "--region", "CN", "--data", database.Folder);
        Assert.True(run.Code == 0, run.Error + run.Out);
        Assert.Contains("skipping duplicates_truth.csv: its name does not say what it holds", run.Error);
        Assert.Contains("4 file(s) imported", run.Out);

        using var report = JsonDocument.Parse(await File.ReadAllTextAsync(reportFile, Ct));
        var root = report.RootElement;
        Assert.Equal("completed", root.GetProperty("status").GetString());
        Assert.Equal(9, root.GetProperty("created").GetInt64());
        var files = root.GetProperty("files").EnumerateArray().ToList();
        Assert.Equal(["customer_data.csv", "purchase_data.csv", "communication_data.csv", "behavior_data.csv"], files.Select(f => f.GetProperty("file").GetString()));
        Assert.All(files, f => Assert.True(f.GetProperty("seconds").GetDouble() >= 0));
        Assert.Equal([3L, 3, 1, 2], files.Select(f => f.GetProperty("report").GetProperty("created").GetInt64()));
        Assert.Equal(["README.md", "duplicates_truth.csv"], root.GetProperty("skipped").EnumerateArray().Select(s => s.GetProperty("file").GetString()).Order(StringComparer.Ordinal));

        // The behaviour summary is current when the command returns: the two visits are counted.
        await using var db = database.Open();
        Assert.Equal(2, await db.BehaviorTotals.Where(t => t.Type == "access").SumAsync(t => t.Events, Ct));
    }

    [Fact]
    public async Task AnImportFromTheCommandLineFirstBuildsTheIndexesAnImportThatDiedLeftAside()
    {
        await using var database = await ImportCommandTests.DataFolderAsync();
        var folder = GenDataFiles.Folder(database.Folder);
        Assert.Equal(0, (await ImportCommandTests.RunAsync("import", "all", folder, "--data", database.Folder)).Code);
        // As a folder import killed during its summary leaves it: a behaviour index of the customers recorded and dropped.
        const string index = "ix_customers_live_behavior_last_seen_at";
        await using (var db = database.Open())
        {
            var job = await db.ImportJobs.Where(j => j.Kind == ImportKind.Customers).Select(j => j.Id).SingleAsync(Ct);
            var sql = await db.Database.SqlQueryRaw<string>($"SELECT sql AS Value FROM sqlite_master WHERE name = '{index}'").SingleAsync(Ct);
            db.Settings.Add(new Core.Settings.Setting { Key = $"import.bulk.{job}.{index}", Value = JsonSerializer.Serialize(new BulkMode.SavedObject("customers", index, "index", sql)) });
            await db.SaveChangesAsync(Ct);
            await db.Database.ExecuteSqlRawAsync($"DROP INDEX {index}", Ct);
        }
        await File.WriteAllTextAsync(Path.Combine(database.Folder, "more.csv"), "customer_id,name\nC900,Ann\n", Ct);

        var run = await ImportCommandTests.RunAsync("import", "customers", Path.Combine(database.Folder, "more.csv"), "--data", database.Folder);
        Assert.True(run.Code == 0, run.Error + run.Out);
        await using (var db = database.Open())
        {
            Assert.Equal(1, await db.Database.SqlQueryRaw<int>($"SELECT COUNT(*) AS Value FROM sqlite_master WHERE name = '{index}'").SingleAsync(Ct));
            Assert.False(await db.Settings.AnyAsync(s => s.Key.StartsWith("import.bulk."), Ct));
        }
    }

    [Fact]
    public async Task AFolderImportWithRefusedRowsExitsThreeAndWritesEachFilesRefusedRows()
    {
        await using var database = await ImportCommandTests.DataFolderAsync();
        var folder = Path.Combine(database.Folder, "in");
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, "customers.csv"), "customer_id,name,email,age\nC1,Ann,ann@example.com,30\nC2,Bo,bo@example.com,old\n", new UTF8Encoding(false), Ct);
        var rejected = Path.Combine(database.Folder, "rejected");

        var run = await ImportCommandTests.RunAsync("import", "all", folder, "--rejected", rejected, "--data", database.Folder);
        Assert.True(run.Code == 3, run.Error + run.Out);
        var lines = await File.ReadAllLinesAsync(Path.Combine(rejected, "customers.rejected.csv"), Ct);
        Assert.StartsWith("C2,Bo,bo@example.com,old,", lines[1]);
    }

    [Fact]
    public async Task AFileThatFailsExitsOneChangesNothingItselfKeepsTheFilesBeforeItAndStartsNoneAfterIt()
    {
        await using var database = await ImportCommandTests.DataFolderAsync();
        var folder = Path.Combine(database.Folder, "in");
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, "customers.csv"), "customer_id,name\nC1,Ann\n", Ct);
        await File.WriteAllTextAsync(Path.Combine(folder, "orders.csv"), "order_id,product\n1,Webcam\n", Ct);
        await File.WriteAllTextAsync(Path.Combine(folder, "events.csv"), "event_id,customer_id,event_type,behavior_time\n1,C1,access,2022-01-01T00:00:32Z\n", Ct);
        var reportFile = Path.Combine(database.Folder, "report.json");

        var run = await ImportCommandTests.RunAsync("import", "all", folder, "--report", reportFile, "--data", database.Folder);
        Assert.True(run.Code == 1, run.Error + run.Out);
        Assert.Contains("imported until one failed", run.Out);
        using (var report = JsonDocument.Parse(await File.ReadAllTextAsync(reportFile, Ct)))
        {
            Assert.Equal("failed", report.RootElement.GetProperty("status").GetString());
            Assert.Equal(["completed", "failed"], report.RootElement.GetProperty("files").EnumerateArray().Select(f => f.GetProperty("report").GetProperty("status").GetString()));
            Assert.Contains(report.RootElement.GetProperty("skipped").EnumerateArray(), s => s.GetProperty("file").GetString() == "events.csv");
        }
        await using var db = database.Open();
        Assert.Equal(1, await db.Customers.CountAsync(Ct));
        Assert.Equal(0, await db.Purchases.CountAsync(Ct));
        Assert.Equal(0, await db.BehaviorEvents.CountAsync(Ct));
        Assert.Equal([ImportStatus.Completed, ImportStatus.Failed], await db.ImportJobs.OrderBy(j => j.Id).Select(j => j.Status).ToListAsync(Ct));
    }

    [Fact]
    public async Task AFolderWithoutAFileNamedForAKindIsRefusedSayingWhichNamesItKnows()
    {
        await using var database = await ImportCommandTests.DataFolderAsync();
        var folder = Path.Combine(database.Folder, "in");
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, "export.csv"), "customer_id,name\nC1,Ann\n", Ct);

        var run = await ImportCommandTests.RunAsync("import", "all", folder, "--data", database.Folder);
        Assert.Equal(1, run.Code);
        Assert.Contains("has a name that says what it holds", run.Error);
        await using var db = database.Open();
        Assert.False(await db.ImportJobs.AnyAsync(Ct));
    }
}
