using System.Diagnostics;
using System.Text.Json.Serialization;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;

namespace Kith.Core.Importing;

/// <summary>A file of a folder import: what it holds, as its name says.</summary>
public sealed record FolderFile(string Path, ImportKind Kind)
{
    public string Name => System.IO.Path.GetFileName(Path);
}

/// <summary>A file of the folder that is not imported, and why.</summary>
public sealed record SkippedFile(string File, string Reason);

/// <summary>Which files of a folder import, in the order they import, and which are left out.</summary>
public sealed record FolderPlan(IReadOnlyList<FolderFile> Files, IReadOnlyList<SkippedFile> Skipped);

/// <summary>One file's outcome in a folder import: its own job's report, and how long it took.</summary>
public sealed record FolderFileReport(string File, string Kind, double Seconds, ImportReport Report);

/// <summary>
/// What `kith import all DIR --report FILE.json` writes: the totals over the files (the same keys as one file's
/// report), then each file's own report in the order they ran, and the files left out.
/// </summary>
public sealed record FolderImportReport
{
    /// <summary>completed when every file completed; failed when one failed (the files after it did not run).</summary>
    public string Status { get; init; } = "";
    public long Created { get; init; }
    public long Updated { get; init; }
    public long Merged { get; init; }
    public long Flagged { get; init; }
    public long Rejected { get; init; }
    public double Seconds { get; init; }
    public IReadOnlyList<FolderFileReport> Files { get; init; } = [];
    /// <summary>Files of the folder that were not imported: their name names no kind, or an earlier file failed.</summary>
    public IReadOnlyList<SkippedFile> Skipped { get; init; } = [];

    [JsonIgnore] public bool Failed => Status != "completed";
}

/// <summary>
/// Imports every file of a folder in one go, in the order links need: companies, customers, then purchases,
/// communications and events, each file as its own import job (revertable and resumable like any other). A file's
/// kind is read from its name, as gen_data.py and most exports name them (customer_data.csv, orders.xlsx, …).
/// It stops at the first file that fails: that file changed nothing, and the files before it stay imported.
/// </summary>
public sealed class ImportFolder(KithDb db, DatabaseOptions database, TimeProvider clock)
{
    /// <summary>Name fragments that say what a file holds, most specific first ("customer_events" holds events).</summary>
    private static readonly (string Fragment, ImportKind Kind)[] s_names =
    [
        ("behavior", ImportKind.Events), ("behaviour", ImportKind.Events), ("event", ImportKind.Events), ("行为", ImportKind.Events), ("事件", ImportKind.Events),
        ("communication", ImportKind.Communications), ("interaction", ImportKind.Communications), ("沟通", ImportKind.Communications), ("联络", ImportKind.Communications),
        ("purchase", ImportKind.Purchases), ("order", ImportKind.Purchases), ("订单", ImportKind.Purchases), ("购买", ImportKind.Purchases),
        ("compan", ImportKind.Companies), ("公司", ImportKind.Companies),
        ("customer", ImportKind.Customers), ("contact", ImportKind.Customers), ("客户", ImportKind.Customers), ("联系人", ImportKind.Customers),
    ];

    /// <summary>The order in which kinds import: a linked row finds the record it names.</summary>
    private static readonly ImportKind[] s_order = [ImportKind.Companies, ImportKind.Customers, ImportKind.Purchases, ImportKind.Communications, ImportKind.Events];

    private static readonly string[] s_extensions = [".csv", ".tsv", ".txt", ".xlsx"];

    /// <summary>What a file of this name holds; null when its name does not say.</summary>
    public static ImportKind? KindOf(string fileName)
    {
        var name = System.IO.Path.GetFileNameWithoutExtension(fileName).ToLowerInvariant();
        foreach (var (fragment, kind) in s_names)
            if (name.Contains(fragment, StringComparison.Ordinal)) return kind;
        return null;
    }

    /// <summary>The folder's files in import order (by kind, then by name), and the files left out with why.</summary>
    public static FolderPlan Plan(string folder)
    {
        if (!Directory.Exists(folder)) throw new RuleViolation($"There is no folder {folder}.");
        var files = new List<FolderFile>();
        var skipped = new List<SkippedFile>();
        foreach (var path in Directory.EnumerateFiles(folder).Order(StringComparer.Ordinal))
        {
            var name = System.IO.Path.GetFileName(path);
            if (name.StartsWith('.')) continue;
            if (!s_extensions.Contains(System.IO.Path.GetExtension(name).ToLowerInvariant()))
                skipped.Add(new SkippedFile(name, "not a CSV, TSV or XLSX file"));
            else if (KindOf(name) is { } kind) files.Add(new FolderFile(path, kind));
            else skipped.Add(new SkippedFile(name, "its name does not say what it holds (customers, companies, purchases or orders, communications, events or behavior); import it with `kith import KIND FILE`"));
        }
        if (files.Count == 0) throw new RuleViolation($"No file in {folder} has a name that says what it holds (customers, companies, purchases, communications, events).");
        return new FolderPlan([.. files.OrderBy(f => Array.IndexOf(s_order, f.Kind)).ThenBy(f => f.Name, StringComparer.Ordinal)], skipped);
    }

    /// <summary>
    /// Imports the plan's files one after the other; <paramref name="progressFor"/> gives each file's progress reporter.
    /// <paramref name="afterFiles"/> runs once the files are in (the CLI brings the behaviour summary up to date there);
    /// when it is given and events follow the customers, the customers' indexes over their behaviour summary columns
    /// are built after it, once, rather than when the customers are in and again when the summary sets every row (ADR-0040).
    /// </summary>
    public async Task<FolderImportReport> HandleAsync(FolderPlan plan, ImportOptions options, AccessScope scope, ActorKind via,
        Func<FolderFile, long, IProgress<ImportProgress>?> progressFor, CancellationToken ct, Func<FolderImportReport, Task>? afterFiles = null)
    {
        var deferred = new List<(long Job, IAsyncDisposable Hold)>();
        try
        {
            var report = await ImportAsync(plan, options, scope, via, progressFor, afterFiles is not null, deferred, ct);
            if (afterFiles is not null) await afterFiles(report);
            return report;
        }
        finally
        {
            // Whatever happened: an index left aside is never left unbuilt (a crash leaves it recorded for BulkMode.RepairAsync).
            foreach (var (jobId, hold) in deferred)
            {
                try
                {
                    await BulkMode.ExitAsync(db, jobId, CancellationToken.None);
                }
                finally
                {
                    await hold.DisposeAsync();
                }
            }
        }
    }

    private async Task<FolderImportReport> ImportAsync(FolderPlan plan, ImportOptions options, AccessScope scope, ActorKind via,
        Func<FolderFile, long, IProgress<ImportProgress>?> progressFor, bool summaryAfter, List<(long Job, IAsyncDisposable Hold)> deferred, CancellationToken ct)
    {
        var runner = new ImportRunner(db, clock, new Privacy.ErasedPeople(new SecretBox(database)));
        var reports = new List<FolderFileReport>();
        var skipped = plan.Skipped.ToList();
        var all = Stopwatch.StartNew();
        var failed = false;
        foreach (var file in plan.Files)
        {
            if (failed)
            {
                skipped.Add(new SkippedFile(file.Name, "not imported: an earlier file failed"));
                continue;
            }
            var watch = Stopwatch.StartNew();
            var job = await new StartImport(db, database, clock).HandleAsync(file.Kind, file.Path, options, scope, via, ct, runHere: true);
            // The summary after the events sets every customer's behaviour columns: their indexes are built once, after it.
            var defer = summaryAfter && file.Kind == ImportKind.Customers && plan.Files.Any(f => f.Kind == ImportKind.Events);
            runner.LeaveAside = defer ? BulkMode.SetAsideForSummary(db.Provider) : null;
            // Held until they are built, so that a server or another import does not build them meanwhile.
            if (defer) deferred.Add((job.Id, await SetAsideHold.TakeAsync(database, db, job.Id, ct)));
            var report = await runner.RunAsync(job.Id, progressFor(file, job.Id), ct);
            db.ChangeTracker.Clear();
            // The file's keys and batches are garbage now: hand their memory back before the next file takes its own,
            // so that the process peaks at its largest step rather than at their sum (issue 3's 1 GB bound).
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            reports.Add(new FolderFileReport(file.Name, file.Kind.ToString().ToLowerInvariant(), Math.Round(watch.Elapsed.TotalSeconds, 2), report));
            failed = report.Status != "completed";
        }
        return new FolderImportReport
        {
            Status = failed ? "failed" : "completed",
            Created = reports.Sum(r => r.Report.Created), Updated = reports.Sum(r => r.Report.Updated), Merged = reports.Sum(r => r.Report.Merged),
            Flagged = reports.Sum(r => r.Report.Flagged), Rejected = reports.Sum(r => r.Report.Rejected),
            Seconds = Math.Round(all.Elapsed.TotalSeconds, 2), Files = reports, Skipped = skipped,
        };
    }
}
