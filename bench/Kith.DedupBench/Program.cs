using System.Diagnostics;
using System.Globalization;
using Kith.Core.Duplicates.Matching;
using Kith.DedupBench;

// Kith.DedupBench: duplicate detection over gen_data.py's customers, scored against duplicates_truth.csv.
//   Kith.DedupBench DIR [--limit N] [--show N]
// DIR holds customer_data.csv and duplicates_truth.csv (python3 ../shared/bench/gen_data.py DIR --customers N).
// Runs (1) the importer's streaming DuplicateIndex in file order and (2) the whole-base DuplicateScan, and prints for
// each the time (reading and normalising the file timed apart), pairs found and precision/recall; --show N prints N
// wrong and N missed pairs of each run.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
if (args.Length == 0 || args[0] is "-h" or "--help" || args[0].StartsWith("--", StringComparison.Ordinal))
{
    Console.WriteLine("usage: Kith.DedupBench DIR [--limit N] [--show N]   (DIR: customer_data.csv and duplicates_truth.csv of gen_data.py)");
    return 2;
}
var dir = args[0];
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
var limit = opts.TryGetValue("limit", out var l) ? long.Parse(l, CultureInfo.InvariantCulture) : long.MaxValue;
var show = opts.TryGetValue("show", out var s) ? int.Parse(s, CultureInfo.InvariantCulture) : 0;

var clock = Stopwatch.StartNew();
var people = PeopleFile.Read(Path.Combine(dir, "customer_data.csv"), limit);
var truth = TruthScore.Read(Path.Combine(dir, "duplicates_truth.csv"), people.Select(p => p.Id).ToHashSet());
var readTime = clock.Elapsed;
Console.WriteLine($"{people.Length:N0} customers, {truth.Duplicates:N0} planted duplicates; reading and normalising: {readTime.TotalSeconds:F1} s");

// (1) the importer: each row in file order asks for its best earlier match, then joins the index
var before = GC.GetTotalMemory(forceFullCollection: true);
clock.Restart();
var index = new DuplicateIndex();
var streamed = new List<DuplicateMatch>();
foreach (var p in people)
{
    if (index.FindAndAdd(p) is { } m) streamed.Add(m);
}
var indexTime = clock.Elapsed;
var indexBytes = GC.GetTotalMemory(forceFullCollection: true) - before;
Report("index (file order)", indexTime, streamed, index.CappedBlocks.Count, $", index memory {indexBytes / 1048576.0:F0} MB beside the people");
GC.KeepAlive(index);
index = null;

// (2) the scan over the whole base
var capped = 0;
clock.Restart();
var pairs = DuplicateScan.FindPairs(people, new DuplicateScanOptions { CappedBlockFound = _ => capped++ }, null, CancellationToken.None).ToList();
var scanTime = clock.Elapsed;
Report("scan", scanTime, pairs, capped, "");
Console.WriteLine($"peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0:F0} MB");
return 0;

void Report(string what, TimeSpan time, List<DuplicateMatch> found, int cappedBlocks, string extra)
{
    var r = truth.Score(found);
    Console.WriteLine($"{what}: {time.TotalSeconds:F2} s, {r.Pairs:N0} pairs ({r.Exact:N0} exact, {r.Fuzzy:N0} fuzzy), " +
        $"precision {r.Precision:F4} ({r.Wrong:N0} wrong; exact {r.ExactPrecision:F4}), recall {r.Recall:F4} ({r.Missed.Length:N0} missed; records {r.RecordRecall:F4}), " +
        $"capped blocks {cappedBlocks}{extra}");
    if (show <= 0) return;
    var byId = people.ToDictionary(p => p.Id);
    foreach (var m in found.Where(m => !truth.IsCorrect(m)).Take(show))
        Console.WriteLine($"  wrong  {m}\n         {byId[m.Id]}\n         {byId[m.OtherId]}");
    foreach (var id in r.Missed.Take(show))
        Console.WriteLine($"  missed {byId[id]}\n      of {byId[truth.PersonOf(id)]}");
}
