using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Kith.Bench;
using Kith.Core.Infrastructure;

// Kith.Bench: the 1,000,000-customer list benchmark of docs/benchmarks.md.
//   load --customers-csv FILE [--limit N]   fresh database, bulk-loaded from gen_data.py's customer_data.csv
//   list [--customers-csv FILE]             (load first, in a child process, when a CSV is given) then measure
// Common options: --data-dir DIR (SQLite file and results), --provider sqlite|postgres, --database CONNECTION-STRING,
// --scale X (multiplies iteration counts), --out FILE (JSON results).
// --only search: measure search as you type alone.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.WriteLine("usage: Kith.Bench load|list --data-dir DIR [--provider sqlite|postgres] [--database CONN] [--customers-csv FILE] [--limit N] [--scale X] [--out FILE] [--only search]");
    return 2;
}
var command = args[0];
var opts = new Dictionary<string, string>();
for (var i = 1; i < args.Length; i++)
{
    if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
    {
        Console.Error.WriteLine($"Unexpected argument '{args[i]}'.");
        return 2;
    }
    opts[args[i][2..]] = args[++i];
}
var dataDir = opts.GetValueOrDefault("data-dir") ?? "bench/out/data";
var database = DatabaseOptions.Resolve(dataDir, opts.GetValueOrDefault("provider") ?? "sqlite", opts.GetValueOrDefault("database"));
var limit = opts.TryGetValue("limit", out var l) ? long.Parse(l, CultureInfo.InvariantCulture) : long.MaxValue;
var ct = CancellationToken.None;

switch (command)
{
    case "load":
    {
        var csv = opts.GetValueOrDefault("customers-csv") ?? throw new ArgumentException("load needs --customers-csv FILE.");
        Console.WriteLine($"Loading {csv} into {database.Provider} ({Describe(database)})");
        await new BulkLoad(database, Console.Out).RunAsync(csv, limit, ct);
        Console.WriteLine(Memory("loader"));
        return 0;
    }
    case "list":
    {
        if (opts.TryGetValue("customers-csv", out var csv))
        {
            // The load runs in its own process so that the memory figure below is the query side's alone.
            var child = new ProcessStartInfo(Environment.ProcessPath!) { UseShellExecute = false };
            foreach (var a in new[] { "load", "--data-dir", dataDir, "--provider", database.Provider.ToString().ToLowerInvariant(), "--customers-csv", csv })
                child.ArgumentList.Add(a);
            if (opts.TryGetValue("database", out var conn)) { child.ArgumentList.Add("--database"); child.ArgumentList.Add(conn); }
            if (opts.TryGetValue("limit", out var lim)) { child.ArgumentList.Add("--limit"); child.ArgumentList.Add(lim); }
            using var p = Process.Start(child)!;
            await p.WaitForExitAsync(ct);
            if (p.ExitCode != 0) return p.ExitCode;
        }
        var scale = opts.TryGetValue("scale", out var s) ? double.Parse(s, CultureInfo.InvariantCulture) : 1.0;
        Console.WriteLine($"Measuring the customer list on {database.Provider} ({Describe(database)}), scale {scale}");
        var started = Stopwatch.StartNew();
        var results = await new ListBenchmark(database, scale, Console.Out, opts.GetValueOrDefault("only") == "search").RunAsync(ct);
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        var memory = Memory("query process after the runs");
        Console.WriteLine();
        Console.WriteLine(ListBenchmark.Table(results));
        Console.WriteLine(memory);
        Console.WriteLine(Goals(results));
        Console.WriteLine($"measured in {started.Elapsed.TotalSeconds:F0} s");
        var output = opts.GetValueOrDefault("out") ?? Path.Combine(dataDir, $"results-{database.Provider.ToString().ToLowerInvariant()}.json");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        await File.WriteAllTextAsync(output, JsonSerializer.Serialize(new
        {
            provider = database.Provider.ToString(),
            machine = Environment.MachineName,
            at = DateTime.UtcNow,
            memory,
            results = results.Select(r => new { r.Provider, r.Caller, r.Operation, r.KithP50, r.KithP95, r.NaiveP50, r.NaiveP95, kithSamples = r.Kith.Length, naiveSamples = r.Naive.Length }),
        }, new JsonSerializerOptions { WriteIndented = true }), ct);
        return 0;
    }
    default:
        Console.Error.WriteLine($"Unknown command '{command}': use load or list.");
        return 2;
}

static string Describe(DatabaseOptions o) =>
    o.Provider == DatabaseProvider.Sqlite ? o.ConnectionString : new Npgsql.NpgsqlConnectionStringBuilder(o.ConnectionString) { Password = null }.ConnectionString;

static string Memory(string what)
{
    using var self = Process.GetCurrentProcess();
    self.Refresh();
    var info = GC.GetGCMemoryInfo();
    return string.Create(CultureInfo.InvariantCulture,
        $"memory, {what}: working set {self.WorkingSet64 / 1048576.0:F0} MB, peak working set {self.PeakWorkingSet64 / 1048576.0:F0} MB, " +
        $"GC heap {info.HeapSizeBytes / 1048576.0:F0} MB, managed live {GC.GetTotalMemory(false) / 1048576.0:F0} MB");
}

static string Goals(List<Measurement> results)
{
    var lines = new List<string> { "goals:" };
    foreach (var m in results.Where(r => r.Operation != "page 1 of the deep list"))
        lines.Add(string.Create(CultureInfo.InvariantCulture, $"  p95 < 20 ms  {m.Provider,-10} {m.Caller,-5} {m.Operation,-28} {m.KithP95,8:F2} ms  {(m.KithP95 < 20 ? "met" : "MISSED")}"));
    foreach (var caller in results.Select(r => r.Caller).Distinct())
    {
        if (results.SingleOrDefault(r => r.Caller == caller && r.Operation == "page 1 of the deep list") is not { } first) continue;
        var deep = results.Single(r => r.Caller == caller && r.Operation.StartsWith("page 1,000", StringComparison.Ordinal));
        var ratio = deep.KithP50 / first.KithP50;
        lines.Add(string.Create(CultureInfo.InvariantCulture, $"  page 1,000 within 1.5x page 1 ({caller}): p50 {deep.KithP50:F2} / {first.KithP50:F2} = {ratio:F2}x, p95 {deep.KithP95 / first.KithP95:F2}x  {(ratio <= 1.5 ? "met" : "MISSED")}"));
    }
    return string.Join(Environment.NewLine, lines);
}
