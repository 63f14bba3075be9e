using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Kith.Cli;
using Kith.Core.Identity;
using Kith.Core.Importing;
using Kith.Core.Infrastructure;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Tests.Importing;

/// <summary>
/// `kith import` in-process against a SQLite data folder: exit codes, the --report JSON, the --rejected file, and a
/// killed import resumed with `kith import resume`. They swap Console streams, so they run alone.
/// </summary>
[Collection("Console")]
public sealed class ImportCommandTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    internal static async Task<TestDatabase> DataFolderAsync()
    {
        var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        await using var db = database.Open();
        db.Users.Add(new User { Email = "admin@example.com", DisplayName = "Admin", Role = Role.Admin, CreatedAt = DateTime.UtcNow });
        await db.SaveChangesAsync(Ct);
        return database;
    }

    internal static string Write(TestDatabase database, string name, string content)
    {
        var path = Path.Combine(database.Folder, name);
        File.WriteAllText(path, content, new UTF8Encoding(false));
        return path;
    }

    [Fact]
    public async Task AnImportWhereEveryRowWentInExitsZeroAndWritesTheReportInItsDocumentedShape()
    {
        await using var database = await DataFolderAsync();
        var file = Write(database, "customers.csv", "customer_id,name,email\nC1,Ann,ann@example.com\nC2,Bo,bo@example.com\nC3,Ann B,ANN@example.com\n");
        var reportFile = Path.Combine(database.Folder, "report.json");

        var run = await RunAsync("import", "customers", file, "--report", reportFile, "--data", database.Folder);
        Assert.True(run.Code == 0, run.Error + run.Out);
        Assert.Contains("created 2", run.Out);
        // Redirected, the bar writes a line per tenth; the job's last report repeats the 100 % line, which shows once.
        if (Console.IsErrorRedirected)
            Assert.Single(run.Error.Split('\n'), l => l.Contains("100", StringComparison.Ordinal) && l.Contains("rows", StringComparison.Ordinal));

        using var report = JsonDocument.Parse(await File.ReadAllTextAsync(reportFile, Ct));
        var root = report.RootElement;
        foreach (var (key, expected) in new[] { ("created", 2), ("updated", 0), ("merged", 1), ("flagged", 0), ("rejected", 0) })
            Assert.Equal(expected, root.GetProperty(key).GetInt64());
        Assert.Equal(JsonValueKind.Array, root.GetProperty("errors").ValueKind);
        Assert.Equal(0, root.GetProperty("errors").GetArrayLength());

        await using var db = database.Open();
        Assert.Equal(3, await db.Customers.CountAsync(Ct));
        Assert.Equal(ImportStatus.Completed, (await db.ImportJobs.SingleAsync(Ct)).Status);
    }

    [Fact]
    public async Task AnImportWithRefusedRowsExitsThreeListsEachWithLineAndColumnAndWritesThemToFixAndImportAgain()
    {
        await using var database = await DataFolderAsync();
        var rows = new StringBuilder("customer_id,name,email,age\n");
        for (var i = 1; i <= 1_500; i++) rows.Append($"C{i},Person {i},p{i}@example.com,{(i % 500 == 0 ? "old" : "30")}\n");
        rows.Append("C9001,\"Quoted, \"\"Name\"\"\",not-an-email,40\n");
        var file = Write(database, "customers.csv", rows.ToString());
        var reportFile = Path.Combine(database.Folder, "report.json");
        var rejectedFile = Path.Combine(database.Folder, "rejected.csv");

        var run = await RunAsync("import", "customers", file, "--report", reportFile, "--rejected", rejectedFile, "--data", database.Folder);
        Assert.True(run.Code == 3, run.Error + run.Out);

        using var report = JsonDocument.Parse(await File.ReadAllTextAsync(reportFile, Ct));
        Assert.Equal(1_497, report.RootElement.GetProperty("created").GetInt64());
        Assert.Equal(4, report.RootElement.GetProperty("rejected").GetInt64());
        var errors = report.RootElement.GetProperty("errors").EnumerateArray()
            .Select(e => (e.GetProperty("line").GetInt32(), e.GetProperty("column").GetString(), e.GetProperty("message").GetString()!)).ToList();
        Assert.Equal([(501, "age"), (1001, "age"), (1501, "age"), (1502, "email")], errors.Select(e => (e.Item1, e.Item2)));
        Assert.All(errors, e => Assert.False(string.IsNullOrWhiteSpace(e.Item3)));

        var rejected = await File.ReadAllLinesAsync(rejectedFile, Ct);
        Assert.Equal("customer_id,name,email,age,error,line", rejected[0].TrimStart('\uFEFF'));
        Assert.Equal(5, rejected.Length);
        Assert.StartsWith("C500,Person 500,p500@example.com,old,", rejected[1]);
        Assert.Contains("age: ", rejected[1]);
        Assert.EndsWith(",501", rejected[1]);
        Assert.StartsWith("C9001,\"Quoted, \"\"Name\"\"\",not-an-email,40,", rejected[4]);
        Assert.EndsWith(",1502", rejected[4]);
    }

    [Fact]
    public async Task AnImportThatCannotRunExitsOneAndChangesNothing()
    {
        await using var database = await DataFolderAsync();
        var garbage = Path.Combine(database.Folder, "garbage.csv");
        var bytes = new byte[4096];
        new Random(7).NextBytes(bytes);
        bytes[10] = 0;
        await File.WriteAllBytesAsync(garbage, bytes, Ct);
        var noName = Write(database, "no-name.csv", "customer_id,email\nC1,a@example.com\n");
        var reportFile = Path.Combine(database.Folder, "report.json");

        var binary = await RunAsync("import", "customers", garbage, "--data", database.Folder);
        Assert.Equal(1, binary.Code);
        var missing = await RunAsync("import", "customers", noName, "--report", reportFile, "--data", database.Folder);
        Assert.Equal(1, missing.Code);
        Assert.Contains("name", missing.Out + missing.Error);
        using (var report = JsonDocument.Parse(await File.ReadAllTextAsync(reportFile, Ct)))
            Assert.Equal("failed", report.RootElement.GetProperty("status").GetString());
        var absent = await RunAsync("import", "customers", Path.Combine(database.Folder, "absent.csv"), "--data", database.Folder);
        Assert.Equal(1, absent.Code);
        // The reader's message says where once, and a file never read prints no empty "file:" or "columns:" line.
        var open = await RunAsync("import", "customers", Write(database, "open.csv", "name,email\nA,a@example.com\nB,\"b@example.com\nC,c@example.com\n"),
            "--data", database.Folder);
        Assert.Equal(1, open.Code);
        Assert.Contains("  line 3, column 2: a quote opens a field here and is never closed\n", open.Out.ReplaceLineEndings("\n"));
        Assert.DoesNotContain("Line 3", open.Out);
        Assert.DoesNotContain("file: ,", open.Out);
        Assert.DoesNotContain("columns:", open.Out);

        await using var db = database.Open();
        Assert.False(await db.Customers.AnyAsync(Ct));
        Assert.All(await db.ImportJobs.ToListAsync(Ct), j => Assert.Equal(ImportStatus.Failed, j.Status));
    }

    [Fact]
    public async Task APreviewShowsTheFirstRowsAsTheyWouldBeStoredAndImportsNothing()
    {
        await using var database = await DataFolderAsync();
        var file = Write(database, "customers.csv", "Full Name,E-mail,手机\n Ann  Lee ,ANN@Example.com,13800138000\nBo,not-an-email,\n");

        var run = await RunAsync("import", "customers", file, "--preview", "--region", "CN", "--data", database.Folder);
        Assert.True(run.Code == 0, run.Error + run.Out);
        var text = run.Out.ReplaceLineEndings("\n");
        Assert.Contains("\nline 2: name=Ann Lee, email=ann@example.com, phone=+8613800138000\n", text);
        Assert.Contains("\nline 3: name=Bo\n", text);
        Assert.Contains("2 rows checked (the whole file): 1 would be refused", text);
        await using var db = database.Open();
        Assert.False(await db.Customers.AnyAsync(Ct));
    }

    [Fact]
    public async Task AMissingValueDefaultMayHoldAnEqualsSignAndAMalformedModeOrMissingOptionSaysItsOwnForm()
    {
        await using var database = await DataFolderAsync();
        var file = Write(database, "customers.csv", "name,city\nAnn,\n");

        // A wrong --mode names the choices as the docs write them, not the .NET type.
        var mode = await RunAsync("import", "customers", file, "--mode", "bogus", "--data", database.Folder);
        Assert.Equal(1, mode.Code);
        Assert.Contains("--mode bogus: use upsert, create, update.", mode.Error + mode.Out);
        Assert.DoesNotContain("Kith.Core", mode.Error + mode.Out);

        var wrong = await RunAsync("import", "customers", file, "--missing", "city", "--data", database.Folder);
        Assert.Equal(1, wrong.Code);
        Assert.Contains("--missing city: write FIELD=reject, FIELD=empty or FIELD=default:VALUE.", wrong.Error);

        // Split at the last '=' this was "city=default:a" with the policy "b", and refused.
        var run = await RunAsync("import", "customers", file, "--missing", "city=default:a=b", "--data", database.Folder);
        Assert.True(run.Code == 0, run.Error + run.Out);
        await using var db = database.Open();
        Assert.Equal("a=b", (await db.Customers.SingleAsync(Ct)).City);
    }

    [Fact]
    public async Task AnImportKilledMidwayResumesAfterItsLastCommittedBatchAndStoresEachRowOnce()
    {
        await using var database = await DataFolderAsync();
        const int rows = 20_000;
        var content = new StringBuilder("customer_id,name,email,city\n");
        for (var i = 1; i <= rows; i++) content.Append($"K{i},Person {i},k{i}@example.com,City {i % 13}\n");
        var file = Write(database, "big.csv", content.ToString());

        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { typeof(KithCommandLine).Assembly.Location, "import", "customers", file, "--data", database.Folder })
            start.ArgumentList.Add(a);
        using var child = Process.Start(start)!;
        var drain = Task.WhenAll(child.StandardOutput.ReadToEndAsync(Ct), child.StandardError.ReadToEndAsync(Ct));
        long jobId = 0;
        var committed = 0;
        while (committed == 0)
        {
            if (child.HasExited) Assert.Fail("The import ended before any batch could be seen committed: " + string.Join("\n", await drain));
            await Task.Delay(25, Ct);
            await using var db = database.Open();
            var job = await db.ImportJobs.AsNoTracking().OrderBy(j => j.Id).FirstOrDefaultAsync(Ct);
            (jobId, committed) = job is null ? (0, 0) : (job.Id, job.LastCommittedLine);
        }
        child.Kill(entireProcessTree: true);
        await child.WaitForExitAsync(Ct);
        await drain;

        await using (var db = database.Open())
        {
            var job = await db.ImportJobs.AsNoTracking().SingleAsync(Ct);
            Assert.Equal(ImportStatus.Running, job.Status);
            Assert.True(job.LastCommittedLine < rows + 1, "killed before the end");
        }
        var resumed = await RunAsync("import", "resume", jobId.ToString(System.Globalization.CultureInfo.InvariantCulture), "--data", database.Folder);
        Assert.True(resumed.Code == 0, resumed.Error + resumed.Out);

        await using (var db = database.Open())
        {
            var job = await db.ImportJobs.AsNoTracking().SingleAsync(Ct);
            Assert.Equal((ImportStatus.Completed, (long)rows, (long)rows), (job.Status, job.RowsRead, job.Created));
            Assert.Equal(rows, await db.Customers.CountAsync(Ct));
            Assert.Equal(rows, await db.Customers.Select(c => c.ExternalId).Distinct().CountAsync(Ct));
            Assert.Equal(0, await db.ImportRejections.CountAsync(Ct));
        }
    }

    internal static async Task<(int Code, string Out, string Error)> RunAsync(params string[] args)
    {
        var (stdin, stdout, stderr) = (Console.In, Console.Out, Console.Error);
        var output = new StringWriter();
        var error = new StringWriter();
        try
        {
            Console.SetIn(new StringReader(""));
            Console.SetOut(output);
            Console.SetError(error);
            var code = await KithCommandLine.RunAsync(args);
            return (code, output.ToString(), error.ToString());
        }
        finally
        {
            Console.SetIn(stdin);
            Console.SetOut(stdout);
            Console.SetError(stderr);
        }
    }
}
