using System.Text;
using Kith.Core.Importing;
using Kith.Core.Infrastructure;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kith.Core.Tests.Importing;

/// <summary>Imports as jobs: cancelled, failed, crashed and resumed, and the missing-value policies.</summary>
public sealed class ImportJobTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>
    /// Customers E1..En: every 50th without an email, every 100th refused (age "abc"), every 40th a second record of
    /// the row before it under a new id (same email: merged).
    /// </summary>
    internal static (string Csv, int Rejected, int Merged, int NoEmail) Customers(int rows)
    {
        var sb = new StringBuilder("customer_id,name,email,age,city\n");
        int rejected = 0, merged = 0, noEmail = 0;
        for (var i = 1; i <= rows; i++)
        {
            var duplicate = i % 40 == 0;
            var person = duplicate ? i - 1 : i;
            var email = i % 50 == 0 ? "" : $"person{person}@example.com";
            var age = i % 100 == 0 ? "abc" : (20 + i % 50).ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (email.Length == 0) noEmail++;
            if (age == "abc") rejected++;
            else if (duplicate && email.Length > 0 && (i - 1) % 100 != 0 && (i - 1) % 50 != 0) merged++;
            sb.Append($"E{i},Person {person},{email},{age},City {i % 7}\n");
        }
        return (sb.ToString(), rejected, merged, noEmail);
    }

    internal sealed class OnFirstBatch(Action act) : IProgress<ImportProgress>
    {
        private bool _done;

        public void Report(ImportProgress value)
        {
            if (_done || value.Phase != "importing") return;
            _done = true;
            act();
        }
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task AJobCancelledAfterItsFirstBatchEndsCancelledWithNothingStoredAndStoredRecordsRestored(DatabaseProvider provider)
    {
        foreach (var how in new[] { "by a user", "by its token" })
        {
            await using var kit = await ImportKit.StartAsync(provider);
            var admin = await kit.AdminAsync();
            await kit.ImportAsync(ImportKind.Customers, kit.Csv("customer_id,name,city", "E1,Stored,Shanghai"), admin);
            var counts = await kit.CountsAsync();
            var path = kit.File(Customers(ImportRunner.BatchSize + 700).Csv);
            var job = await kit.StartAsync(ImportKind.Customers, path, admin);
            using var token = new CancellationTokenSource();
            var progress = new OnFirstBatch(() =>
            {
                if (how == "by a user")
                    Task.Run(() => kit.RunAsync(sp => sp.GetRequiredService<CancelImport>().HandleAsync(job.Id, admin, Ct))).GetAwaiter().GetResult();
                else token.Cancel();
            });

            var report = await kit.RunJobAsync(job.Id, token.Token, progress: progress);
            Assert.Equal("cancelled", report.Status);
            Assert.Contains("cancelled", report.Error);
            var ended = await kit.JobAsync(job.Id);
            Assert.Equal(ImportStatus.Cancelled, ended.Status);
            Assert.Equal((0L, 0L, 0L, 0L), (ended.Created, ended.Updated, ended.Merged, ended.Rejected));
            Assert.Equal(counts.Where(c => c.Key != "history"), (await kit.CountsAsync()).Where(c => c.Key != "history"));
            var restored = await kit.CustomerAsync("E1");
            Assert.Equal(("Stored", "Shanghai"), (restored.Name, restored.City));
            Assert.False(File.Exists(ended.StoredPath));
            await using var db = kit.Open();
            Assert.False(await db.ImportRejections.AnyAsync(r => r.ImportJobId == job.Id, Ct));
        }
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task AJobWhoseProcessStoppedAfterACommittedBatchResumesThereAndStoresEachRowOnce(DatabaseProvider provider)
    {
        await using var kit = await ImportKit.StartAsync(provider);
        var admin = await kit.AdminAsync();
        var rows = 2 * ImportRunner.BatchSize + 500;
        var (csv, rejected, merged, noEmail) = Customers(rows);
        var job = await kit.StartAsync(ImportKind.Customers, kit.File(csv), admin);

        // The process stops (as a crash would) right after the first batch committed: the job stays running.
        using var stopping = new CancellationTokenSource();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            kit.RunJobAsync(job.Id, Ct, stopping.Token, new OnFirstBatch(stopping.Cancel)));
        var halfway = await kit.JobAsync(job.Id);
        Assert.Equal(ImportStatus.Running, halfway.Status);
        Assert.Equal(ImportRunner.BatchSize + 1, halfway.LastCommittedLine);
        Assert.Equal(ImportRunner.BatchSize, halfway.RowsRead);
        var storedHalfway = (await kit.CustomersAsync()).Count;
        Assert.True(storedHalfway is > 0 and <= ImportRunner.BatchSize);

        // A server's queue takes a running job whose heartbeat went stale, and it goes on after the committed batch.
        kit.Clock.Advance(ImportQueue.StaleAfter + TimeSpan.FromSeconds(1));
        Assert.True(await kit.RunAsync(sp => sp.GetRequiredService<ImportQueue>().RunNextAsync(null, Ct)));
        var done = await kit.JobAsync(job.Id);
        Assert.Equal(ImportStatus.Completed, done.Status);
        Assert.Equal(rows, done.RowsRead);
        Assert.Equal(rejected, done.Rejected);
        Assert.Equal(merged, done.Merged);
        Assert.Equal(rows - rejected - merged, done.Created);

        var all = await kit.CustomersAsync();
        Assert.Equal(rows - rejected, all.Count);
        Assert.Equal(all.Count, all.Select(c => c.ExternalId).Distinct().Count());
        Assert.Equal(merged, all.Count(c => c.MergedIntoId is not null));
        await using var db = kit.Open();
        Assert.Equal(rejected, await db.ImportRejections.CountAsync(r => r.ImportJobId == job.Id, Ct));
        // The cleaning counts of the batch committed before the stop are in the report too.
        var report = await kit.RunAsync(sp => sp.GetRequiredService<ImportQueries>().ReportAsync(admin, job.Id, 10, Ct));
        Assert.Equal(noEmail, report.Summary!.Cleaning["email"]["missing (left empty)"]);
        Assert.Equal(rejected, report.Summary.Cleaning["age"]["not valid (row rejected)"]);
        Assert.Equal(10, report.Errors.Count);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task AFileWithoutARequiredColumnFailsWithAClearMessageAndChangesNothing(DatabaseProvider provider)
    {
        await using var kit = await ImportKit.StartAsync(provider);
        var admin = await kit.AdminAsync();
        var counts = await kit.CountsAsync();

        var customers = await kit.ImportAsync(ImportKind.Customers, kit.Csv("customer_id,email", "C1,a@example.com"), admin);
        Assert.Equal("failed", customers.Status);
        Assert.Contains("name", customers.Error);
        Assert.Equal((0L, 0L), (customers.Created, customers.RowsRead));

        var purchases = await kit.ImportAsync(ImportKind.Purchases, kit.Csv("order_id,customer_id,order_time,product", "O1,C1,2024-01-01,x"), admin);
        Assert.Equal("failed", purchases.Status);
        Assert.Contains("amount or unitPrice", purchases.Error);

        var garbage = kit.File("");
        await File.WriteAllBytesAsync(garbage, [0x00, 0xFF, 0x13, 0x37, 0x00, 0x00, 0x89, 0x50, 0x4E, 0x47, 0x00, 0x01, 0x02], Ct);
        var binary = await kit.ImportAsync(ImportKind.Customers, garbage, admin);
        Assert.Equal("failed", binary.Status);
        Assert.False(string.IsNullOrWhiteSpace(binary.Error));

        Assert.Equal(counts, await kit.CountsAsync());
        await using var db = kit.Open();
        Assert.All(await db.ImportJobs.ToListAsync(Ct), j => Assert.Equal(ImportStatus.Failed, j.Status));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task EachMissingValuePolicyIsAppliedAndCounted(DatabaseProvider provider)
    {
        await using var kit = await ImportKit.StartAsync(provider);
        var admin = await kit.AdminAsync();
        var file = kit.Csv("customer_id,name,email,age,city",
            "C1,Ann,ann@example.com,,",
            "C2,Bo,,41,Rome",
            "C3,Cy,cy@example.com,33,");
        var report = await kit.ImportAsync(ImportKind.Customers, file, admin, new ImportOptions
        {
            Missing = new()
            {
                ["email"] = new MissingValueRule(MissingValuePolicy.Reject),
                ["age"] = new MissingValueRule(MissingValuePolicy.Default, "30"),
                ["city"] = new MissingValueRule(MissingValuePolicy.Empty),
                ["stage"] = new MissingValueRule(MissingValuePolicy.Default, "prospect"),
            },
        });
        Assert.Equal((2L, 1L), (report.Created, report.Rejected));
        var error = Assert.Single(report.Errors);
        Assert.Equal((3, "email"), (error.Line, error.Column));
        var ann = await kit.CustomerAsync("C1");
        Assert.Equal((30, null, Kith.Core.Customers.LifecycleStage.Prospect), (ann.Age, ann.City, ann.Stage));
        Assert.Equal(33, (await kit.CustomerAsync("C3")).Age);
        var cleaning = report.Summary!.Cleaning;
        Assert.Equal(1, cleaning["email"]["missing (row rejected)"]);
        Assert.Equal(1, cleaning["age"]["missing (default used)"]);
        Assert.Equal(2, cleaning["city"]["missing (left empty)"]);
        Assert.Equal(3, cleaning["stage"]["missing (default used)"]);

        // A required field may use a default (here the file has no name column at all), but not be left empty.
        var named = await kit.ImportAsync(ImportKind.Customers, kit.Csv("customer_id,email", "C9,c9@example.com"), admin,
            new ImportOptions { Missing = new() { ["name"] = new MissingValueRule(MissingValuePolicy.Default, "(no name)") } });
        Assert.Equal(1, named.Created);
        Assert.Equal("(no name)", (await kit.CustomerAsync("C9")).Name);
        var empty = await kit.ImportAsync(ImportKind.Customers, file, admin, new ImportOptions { Missing = new() { ["name"] = new MissingValueRule(MissingValuePolicy.Empty) } });
        Assert.Equal("failed", empty.Status);
        Assert.Contains("name is required", empty.Error);
        var noDefault = await Assert.ThrowsAsync<RuleViolation>(() => kit.StartAsync(ImportKind.Customers, file, admin,
            new ImportOptions { Missing = new() { ["age"] = new MissingValueRule(MissingValuePolicy.Default) } }));
        Assert.Contains("missing.age", noDefault.Errors.Keys);
        var badDefault = await kit.ImportAsync(ImportKind.Customers, file, admin,
            new ImportOptions { Missing = new() { ["age"] = new MissingValueRule(MissingValuePolicy.Default, "old") } });
        Assert.Equal("failed", badDefault.Status);
        Assert.Contains("age", badDefault.Error);
    }
}
