using System.Diagnostics;
using System.Globalization;
using Kith.Core.Importing;
using Kith.Core.Infrastructure;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Tests.Importing;

/// <summary>
/// The four files of ../shared/bench/gen_data.py import as they are, with the default options, and the report agrees
/// with what the generator plants: missing emails and ages, and the duplicates of duplicates_truth.csv.
/// </summary>
public sealed class GenDataImportTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private const int Customers = 3_000;

    /// <summary>Runs gen_data.py into a new folder, or skips the test saying why it cannot.</summary>
    internal static async Task<string> GenerateAsync(string folder, int customers = Customers, int eventsPerCustomer = 2)
    {
        var script = FindGenData();
        if (script is null) Assert.Skip("../shared/bench/gen_data.py was not found above the test's folder.");
        const string python = "/usr/bin/python3";
        if (!File.Exists(python)) Assert.Skip($"{python} is not installed; gen_data.py needs it (with numpy).");
        var output = Path.Combine(folder, "gen");
        var start = new ProcessStartInfo(python) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { script, output, "--customers", customers.ToString(CultureInfo.InvariantCulture), "--events-per-customer", eventsPerCustomer.ToString(CultureInfo.InvariantCulture) })
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync(Ct);
        await process.WaitForExitAsync(Ct);
        var message = await error;
        if (process.ExitCode != 0 && message.Contains("No module named 'numpy'", StringComparison.Ordinal))
            Assert.Skip($"{python} has no numpy, which gen_data.py needs.");
        Assert.True(process.ExitCode == 0, message);
        return output;
    }

    internal static string? FindGenData()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            // ../shared beside the repository, or beside a folder of worktrees (wt/NAME).
            var candidate = Path.Combine(dir.FullName, "shared", "bench", "gen_data.py");
            if (File.Exists(candidate)) return Path.GetFullPath(candidate);
        }
        return null;
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task TheGeneratedFilesImportAsTheyAreAndTheReportFindsWhatTheDataPlants(DatabaseProvider provider)
    {
        await using var kit = await ImportKit.StartAsync(provider);
        var dir = await GenerateAsync(kit.Database.Folder);
        var admin = await kit.AdminAsync();
        // Two dirty rows at the end, to see refused rows listed with their line and column.
        await File.AppendAllTextAsync(Path.Combine(dir, "customer_data.csv"),
            "900001,Bad Age,bad.age@example.com,+8613800000001,abc,F,Shanghai,2024-01-01\n" +
            "900002,Bad Mail,not-an-email,+8613800000002,30,M,Beijing,2024-01-01\n", Ct);
        await File.AppendAllTextAsync(Path.Combine(dir, "purchase_data.csv"), "999999,900001,2024-01-01T00:00:00Z,Headset,hardware,1,59.00,59.00\n", Ct);

        var customers = await kit.ImportAsync(ImportKind.Customers, Path.Combine(dir, "customer_data.csv"), admin);
        Assert.Equal("completed", customers.Status);
        Assert.Equal(Customers + 2, customers.RowsRead);
        Assert.Equal([(Customers + 2, "age"), (Customers + 3, "email")], customers.Errors.Select(e => (e.Line, e.Column)));
        Assert.Equal(2, customers.Rejected);
        var cleaning = customers.Summary!.Cleaning;
        // About 2% of the people have no email (more rows: one kind of planted duplicate leaves it out), about 1% no age.
        Assert.InRange(cleaning["email"]["missing (left empty)"], Customers * 0.015, Customers * 0.04);
        Assert.InRange(cleaning["age"]["missing (left empty)"], Customers * 0.005, Customers * 0.02);
        Assert.Equal(Customers, customers.Created + customers.Merged + customers.Skipped);

        var truth = File.ReadLines(Path.Combine(dir, "duplicates_truth.csv")).Skip(1).Select(l => l.Split(','))
            .ToDictionary(p => p[0], p => p[1]);
        string Person(string ext) => truth.GetValueOrDefault(ext, ext);
        await using (var db = kit.Open())
        {
            var all = await db.Customers.AsNoTracking().Select(c => new { c.Id, c.ExternalId, c.MergedIntoId }).ToListAsync(Ct);
            var extOf = all.Where(c => c.ExternalId is not null).ToDictionary(c => c.Id, c => c.ExternalId!);
            var idOf = all.Where(c => c.ExternalId is not null).ToDictionary(c => c.ExternalId!, c => c.Id);
            var pairs = await db.DuplicatePairs.AsNoTracking().Select(p => new { p.CustomerId, p.OtherCustomerId }).ToListAsync(Ct);
            var found = all.Where(c => c.MergedIntoId is not null).Select(c => (c.Id, Other: c.MergedIntoId!.Value))
                .Concat(pairs.Select(p => (Id: p.CustomerId, Other: p.OtherCustomerId))).ToList();
            // Precision: every merge and every listed pair joins two records of one person.
            var right = found.Count(f => Person(extOf[f.Id]) == Person(extOf[f.Other]));
            Assert.True(right >= 0.99 * found.Count, $"precision {right}/{found.Count}");
            // Recall: each planted duplicate is joined with its original through merges and pairs.
            var parent = new Dictionary<long, long>();
            long Root(long x)
            {
                while (parent.TryGetValue(x, out var p) && p != x) x = p;
                return x;
            }
            foreach (var (a, b) in found) parent[Root(a)] = Root(b);
            var recalled = truth.Count(t => Root(idOf[t.Key]) == Root(idOf[t.Value]));
            Assert.True(recalled >= 0.98 * truth.Count, $"recall {recalled}/{truth.Count}");
            Assert.Equal(customers.Merged, all.Count(c => c.MergedIntoId is not null));
        }

        var purchases = await kit.ImportAsync(ImportKind.Purchases, Path.Combine(dir, "purchase_data.csv"), admin);
        Assert.Equal((Customers * 3L, 1L), (purchases.Created, purchases.Rejected));
        var refused = Assert.Single(purchases.Errors);
        Assert.Equal((Customers * 3 + 2, "customer_id"), (refused.Line, refused.Column));
        await using (var db = kit.Open())
        {
            // Each purchase belongs to the customer its file names, or to the survivor that customer was merged into.
            var records = await db.Customers.AsNoTracking().Where(c => c.ExternalId != null)
                .ToDictionaryAsync(c => c.ExternalId!, c => (c.Id, c.MergedIntoId), Ct);
            var stored = await db.Purchases.AsNoTracking().ToDictionaryAsync(p => p.OrderId!, p => p.CustomerId, Ct);
            var viaMerge = 0;
            foreach (var line in File.ReadLines(Path.Combine(dir, "purchase_data.csv")).Skip(1).SkipLast(1))
            {
                var cells = line.Split(',');
                var (id, mergedInto) = records[cells[1]];
                if (stored[cells[0]] != (mergedInto ?? id)) Assert.Fail($"Order {cells[0]} of customer {cells[1]} went to customer #{stored[cells[0]]}.");
                if (mergedInto is not null) viaMerge++;
            }
            Assert.True(viaMerge > 0, "some purchases name a customer whose row was merged");
        }
        var communications = await kit.ImportAsync(ImportKind.Communications, Path.Combine(dir, "communication_data.csv"), admin);
        Assert.Equal((Customers * 2L, 0L), (communications.Created, communications.Rejected));
        var events = await kit.ImportAsync(ImportKind.Events, Path.Combine(dir, "behavior_data.csv"), admin);
        Assert.Equal((Customers * 2L, 0L), (events.Created, events.Rejected));

        // The same customer file again: nothing to do.
        var again = await kit.ImportAsync(ImportKind.Customers, Path.Combine(dir, "customer_data.csv"), admin);
        Assert.Equal((0L, 0L, 0L, 2L), (again.Created, again.Updated, again.Merged, again.Rejected));
        Assert.Equal(Customers, again.Unchanged);
    }
}
