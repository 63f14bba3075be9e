using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Kith.Core.Exporting;
using Kith.Core.Identity;
using Kith.Core.Importing;
using Kith.Core.Importing.Cleaning;
using Kith.Core.Importing.Files;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Cli;

/// <summary>
/// `kith import KIND FILE`: runs an import in this process with a progress bar on standard error. Exit code 0 when
/// every row went in, 3 when the import completed with refused rows, 1 when it failed and changed nothing.
/// `kith import all DIR` does so for every file of a folder. Also `kith import list`, `kith import revert ID` and
/// `kith import resume ID`.
/// </summary>
internal static class ImportCommand
{
    public const int CompletedWithRejections = 3;

    public static Command Build()
    {
        var command = new Command("import", "Import customers, companies, purchases, communications or behaviour events from CSV, TSV or XLSX.");
        foreach (var kind in Enum.GetValues<ImportKind>()) command.Subcommands.Add(Kind(kind));
        command.Subcommands.Add(All());
        command.Subcommands.Add(List());
        command.Subcommands.Add(Revert());
        command.Subcommands.Add(Resume());
        return command;
    }

    private static Option<string?> UserOption() => new("--user")
    {
        Description = "Email of the user the import acts as (their reach and rights apply); default: the only administrator, if there is one.",
    };

    /// <summary>The options a file import and a folder import share.</summary>
    private sealed class SharedOptions
    {
        public readonly Option<string?> User = UserOption();
        public readonly Option<ImportMode> Mode = Choice<ImportMode>("--mode", "upsert (default): create new records and update matching ones; create: only new; update: only existing.");
        public readonly Option<DuplicateAction> OnDuplicate = Choice<DuplicateAction>("--on-duplicate", "merge (default): exact duplicates merge into the record they match; flag: keep every row and list the pairs; skip: leave exact duplicates out.");
        public readonly Option<string?> Region = new("--region") { Description = "Region for phone numbers without a country code and for day/month order, e.g. CN, US, GB (default: the workspace's)." };
        public readonly Option<string?> Encoding = new("--encoding") { Description = "utf-8, utf-16, gb18030 (or gbk); detected when not given." };
        public readonly Option<string?> Delimiter = new("--delimiter") { Description = "comma, semicolon, tab or pipe (or the character); detected when not given." };
        public readonly Option<string?> MatchBy = new("--match-by") { Description = "Keys that find the stored record, in order (default kithId,externalId,email,phone)." };
        public readonly Option<bool> CreateCustomers = new("--create-missing-customers") { Description = "Purchases, communications and events naming an unknown customer id create that customer instead of being refused." };
        public readonly Option<string?> Owner = new("--owner") { Description = "Email of the user who will own the records created (default: the importing user)." };
        public readonly Option<FileInfo?> Report = new("--report") { Description = "Write the report as JSON to this file." };

        public void AddTo(Command command)
        {
            foreach (var o in new Option[] { User, Mode, OnDuplicate, Region, Encoding, Delimiter, MatchBy, CreateCustomers, Owner, Report })
                command.Options.Add(o);
        }

        public async Task<ImportOptions> ReadAsync(ParseResult parse, KithDb db, CancellationToken ct) => new()
        {
            Mode = parse.GetValue(Mode), OnDuplicate = parse.GetValue(OnDuplicate), Region = parse.GetValue(Region)?.ToUpperInvariant(),
            Encoding = parse.GetValue(Encoding), Delimiter = ImportCommand.Delimiter(parse.GetValue(Delimiter)),
            MatchBy = ImportOptions.ParseMatchBy(parse.GetValue(MatchBy)),
            CreateMissingCustomers = parse.GetValue(CreateCustomers),
            OwnerId = parse.GetValue(Owner) is { } o ? (await new UserAccounts(db, TimeProvider.System).FindByEmailAsync(o, ct))?.Id ?? throw new RuleViolation($"There is no user with the email {o}.") : null,
        };
    }

    private static Command Kind(ImportKind kind)
    {
        var name = kind.ToString().ToLowerInvariant();
        var file = new Argument<FileInfo>("file") { Description = "The CSV, TSV or XLSX file." };
        var shared = new SharedOptions();
        var map = new Option<string[]>("--map") { Description = "COLUMN=FIELD, repeatable; FIELD '-' ignores the column.", AllowMultipleArgumentsPerToken = false };
        var template = new Option<string?>("--template") { Description = "Apply a saved column mapping." };
        var saveTemplate = new Option<string?>("--save-template") { Description = "Save the mapping used under this name." };
        var missing = new Option<string[]>("--missing") { Description = "FIELD=reject|empty|default:VALUE, repeatable: what an empty cell does." };
        var rejected = new Option<FileInfo?>("--rejected") { Description = "Write the refused rows, with an error column, to this CSV file to fix and import again." };
        var preview = new Option<bool>("--preview") { Description = "Show the mapping, sample rows and the data-quality report of the first rows; import nothing." };
        var command = new Command(name, $"Import {name} from a file.") { file };
        shared.AddTo(command);
        foreach (var o in new Option[] { map, template, saveTemplate, missing, rejected, preview })
            command.Options.Add(o);
        command.SetAction((parse, ct) => RunAsync(parse, ct, async db =>
        {
            var path = parse.GetValue(file)!;
            if (!path.Exists) throw new RuleViolation($"There is no file {path.FullName}.");
            var scope = await ScopeAsync(db, parse.GetValue(shared.User), ct);
            var options = await shared.ReadAsync(parse, db, ct) with
            {
                Template = parse.GetValue(template), Map = Pairs(parse.GetValue(map), "--map"), Missing = Policies(parse.GetValue(missing)),
            };
            if (parse.GetValue(preview))
            {
                var p = await new PreviewImport(db).HandleAsync(kind, path.FullName, options, scope, ct);
                PrintPreview(p);
                return 0;
            }
            var clock = TimeProvider.System;
            var job = await new StartImport(db, KithCommandLine.DatabaseOptions(parse), clock).HandleAsync(kind, path.FullName, options, scope, ActorKind.Cli, ct, runHere: true);
            if (parse.GetValue(saveTemplate) is { } templateName)
            {
                using var head = TabularFile.Open(path.FullName, new TabularOptions { Encoding = options.Encoding, Delimiter = options.Delimiter });
                var mapping = await ImportRunner.MapAsync(db, kind, head.Header, options, scope.Fields, ct);
                await new ImportTemplates(db, clock).SaveAsync(kind, templateName, mapping.ToOverrides(), scope, ct);
            }
            return await RunJobAsync(db, KithCommandLine.DatabaseOptions(parse), job.Id, parse.GetValue(shared.Report), parse.GetValue(rejected), scope, ct);
        }, optimizeAfter: true));
        return command;
    }

    /// <summary>
    /// `kith import all DIR`: every file of the folder whose name says what it holds, in dependency order, in this one
    /// process; each file is its own import job. Exit code 1 when a file failed (it changed nothing; the files before
    /// it stay imported and the files after it are not started), else 3 when some row was refused, else 0.
    /// </summary>
    private static Command All()
    {
        var folder = new Argument<DirectoryInfo>("folder") { Description = "The folder holding the files, e.g. customer_data.csv, purchase_data.csv, communication_data.csv, behavior_data.csv." };
        var shared = new SharedOptions();
        var rejected = new Option<DirectoryInfo?>("--rejected") { Description = "Write each file's refused rows, with an error column, to FOLDER/NAME.rejected.csv to fix and import again." };
        var command = new Command("all", "Import every file of a folder, kind by kind (companies, customers, purchases, communications, events), as the file names say.") { folder };
        shared.AddTo(command);
        command.Options.Add(rejected);
        command.SetAction((parse, ct) => RunAsync(parse, ct, async db =>
        {
            var plan = ImportFolder.Plan(parse.GetValue(folder)!.FullName);
            var scope = await ScopeAsync(db, parse.GetValue(shared.User), ct);
            var options = await shared.ReadAsync(parse, db, ct);
            foreach (var s in plan.Skipped) await Console.Error.WriteLineAsync($"kith: skipping {s.File}: {s.Reason}.");
            var database = KithCommandLine.DatabaseOptions(parse);
            var count = 0;
            TerminalProgress? bar = null;
            var report = await new ImportFolder(db, database, TimeProvider.System).HandleAsync(plan, options, scope, ActorKind.Cli, (file, jobId) =>
            {
                bar?.Done();
                bar = new TerminalProgress($"{file.Name} ({++count}/{plan.Files.Count}, import #{jobId})");
                return Bar(bar);
            }, ct, async report =>
            {
                bar?.Done();
                bar = null;
                if (report.Files.Any(f => f.Report.Kind == "events" && f.Report.Created > 0)) await Kith.Behavior.BehaviorCatchUp.AfterImportAsync(db, ct);
            });
            if (parse.GetValue(shared.Report) is { } reportFile)
                await File.WriteAllTextAsync(reportFile.FullName, JsonSerializer.Serialize(report, ImportReport.Json), CancellationToken.None);
            if (parse.GetValue(rejected) is { } rejectedFolder)
            {
                rejectedFolder.Create();
                foreach (var f in report.Files.Where(f => f.Report.Rejected > 0))
                {
                    await using var output = File.Create(Path.Combine(rejectedFolder.FullName, Path.GetFileNameWithoutExtension(f.File) + ".rejected.csv"));
                    await new ImportQueries(db).WriteRejectedAsync(scope, f.Report.JobId, output, ExportFormat.Csv, CancellationToken.None);
                }
            }
            foreach (var f in report.Files)
            {
                Console.Out.WriteLine($"{f.File} ({f.Seconds.ToString("0.0", CultureInfo.InvariantCulture)} s):");
                PrintReport(f.Report);
            }
            foreach (var s in report.Skipped) Console.Out.WriteLine($"{s.File}: skipped, {s.Reason}.");
            Console.Out.WriteLine($"{report.Files.Count} file(s) {(report.Failed ? "imported until one failed" : "imported")} in {report.Seconds.ToString("0.0", CultureInfo.InvariantCulture)} s: "
                                  + $"created {report.Created:N0}; updated {report.Updated:N0}; merged {report.Merged:N0}; flagged {report.Flagged:N0}; refused {report.Rejected:N0}");
            return report.Failed ? 1 : report.Rejected > 0 ? CompletedWithRejections : 0;
        }, optimizeAfter: true));
        return command;
    }

    private static SyncProgress<ImportProgress> Bar(TerminalProgress bar) => new(p => bar.Draw(p.Fraction,
        $"{p.RowsRead:N0} rows · {p.Created:N0} created · {p.Updated:N0} updated · {p.Merged:N0} merged · {p.Rejected:N0} refused", p.Phase == "done"));

    private static async Task<int> RunJobAsync(KithDb db, Kith.Core.Infrastructure.DatabaseOptions database, long jobId, FileInfo? reportFile, FileInfo? rejectedFile, AccessScope scope, CancellationToken ct)
    {
        var bar = new TerminalProgress($"import #{jobId}");
        var report = await new ImportRunner(db, TimeProvider.System,
            new Kith.Core.Privacy.ErasedPeople(new Kith.Core.Infrastructure.SecretBox(database))).RunAsync(jobId, Bar(bar), ct);
        bar.Done();
        if (reportFile is not null)
            await File.WriteAllTextAsync(reportFile.FullName, JsonSerializer.Serialize(report, ImportReport.Json), CancellationToken.None);
        if (rejectedFile is not null && report.Rejected > 0)
        {
            await using var output = rejectedFile.Create();
            await new ImportQueries(db).WriteRejectedAsync(scope, jobId, output, ExportFormat.Csv, CancellationToken.None);
        }
        PrintReport(report);
        if (report.Kind == "events" && report.Created > 0) await Kith.Behavior.BehaviorCatchUp.AfterImportAsync(db, ct);
        return report.Status switch
        {
            "completed" when report.Rejected > 0 => CompletedWithRejections,
            "completed" => 0,
            _ => 1,
        };
    }

    private static void PrintReport(ImportReport r)
    {
        var o = Console.Out;
        o.WriteLine($"Import #{r.JobId} ({r.Kind}): {r.Status}.");
        if (r.Error is not null) o.WriteLine($"  {r.Error}");
        o.WriteLine($"  rows read {r.RowsRead:N0}; created {r.Created:N0}; updated {r.Updated:N0}; unchanged {r.Unchanged:N0}; merged {r.Merged:N0}; flagged {r.Flagged:N0}; skipped {r.Skipped:N0}; refused {r.Rejected:N0}");
        if (r.Summary is { } s)
        {
            // A file that could not be read leaves these empty: print no "file: , , delimiter" line.
            if (!string.IsNullOrEmpty(s.Format)) o.WriteLine($"  file: {s.Format}, {s.Encoding}, delimiter {s.Delimiter}");
            if (s.Columns.Count > 0) o.WriteLine("  columns: " + string.Join(", ", s.Columns.Select(Mapped)));
            if (s.ForeignKithIds > 0) o.WriteLine($"  {s.ForeignKithIds} rows had a kithId of another Kith install: matched by their other keys.");
            foreach (var (field, counts) in s.Cleaning.Where(c => c.Value.Count > 0))
                o.WriteLine($"  {field}: " + string.Join(", ", counts.Select(kv => $"{kv.Value:N0} {kv.Key}")));
            if (s.UnknownCustomers > 0) o.WriteLine($"  rows naming an unknown customer: {s.UnknownCustomers:N0}");
            if (s.CustomersCreated > 0) o.WriteLine($"  customers created for unknown ids: {s.CustomersCreated:N0}");
            if (s.PendingEvents > 0) o.WriteLine($"  events kept pending until their customer exists: {s.PendingEvents:N0}");
        }
        foreach (var e in r.Errors.Take(20)) o.WriteLine($"  line {e.Line}, {e.Column}: {e.Message}");
        if (r.Rejected > 20) o.WriteLine($"  … every refused row is in the report (--report) and the rejected-rows file (--rejected).");
    }

    private const int PreviewRowsShown = 5;

    /// <summary>A column and its field, or why it is not imported.</summary>
    private static string Mapped(MappedColumn c) =>
        $"{c.Column} → {c.Field ?? (c.NotImported is { } why ? $"(ignored: {MappedColumn.Describe(why)})" : "(ignored)")}";

    private static void PrintPreview(ImportPreview p)
    {
        var o = Console.Out;
        o.WriteLine($"file: {p.Format}, {p.Encoding}, delimiter {p.Delimiter}");
        o.WriteLine("columns: " + string.Join(", ", p.Columns.Select(Mapped)));
        foreach (var problem in p.Problems) o.WriteLine("problem: " + problem);
        // The first rows as they would be stored (the option's help promises sample rows; the UI shows them too).
        foreach (var row in p.Sample.Take(PreviewRowsShown))
            o.WriteLine($"line {row.Line}: " + string.Join(", ", row.Values.Where(v => v.Value is not null).Select(v => $"{v.Key}={v.Value}")));
        o.WriteLine($"{p.RowsScanned:N0} rows checked{(p.ScannedWholeFile ? " (the whole file)" : "")}: {p.RowsRejected:N0} would be refused, {p.RowsFlagged:N0} flagged (a phone kept as typed); duplicates are looked for when the import runs");
        foreach (var (field, counts) in p.Cleaning.Where(c => c.Value.Count > 0))
            o.WriteLine($"  {field}: " + string.Join(", ", counts.Select(kv => $"{kv.Value:N0} {kv.Key}")));
        foreach (var e in p.Errors.Take(20)) o.WriteLine($"  line {e.Line}, {e.Column}: {e.Message}");
    }

    private static Command List()
    {
        var command = new Command("list", "List recent imports: id, kind, status, counts, file.");
        var user = UserOption();
        command.Options.Add(user);
        command.SetAction((parse, ct) => RunAsync(parse, ct, async db =>
        {
            var scope = await ScopeAsync(db, parse.GetValue(user), ct);
            foreach (var j in await new ImportQueries(db).ListAsync(scope, 50, ct))
                Console.Out.WriteLine($"{j.Id,-6} {j.Kind.ToString().ToLowerInvariant(),-15} {j.Status.ToString().ToLowerInvariant(),-10} {j.CreatedAt:yyyy-MM-dd HH:mm} created {j.Created:N0}, updated {j.Updated:N0}, merged {j.Merged:N0}, refused {j.Rejected:N0}  {j.FileName}");
            return 0;
        }));
        return command;
    }

    private static Command Revert()
    {
        var id = new Argument<long>("id") { Description = "The import's id, as `kith import list` shows it." };
        var user = UserOption();
        var command = new Command("revert", "Undo an import: remove what it created and restore what it changed.") { id };
        command.Options.Add(user);
        command.SetAction((parse, ct) => RunAsync(parse, ct, async db =>
        {
            var scope = await ScopeAsync(db, parse.GetValue(user), ct);
            var job = await new RevertImport(db, TimeProvider.System).HandleAsync(parse.GetValue(id), scope, ct);
            Console.Out.WriteLine($"Import #{job.Id} is reverted.");
            return 0;
        }));
        return command;
    }

    private static Command Resume()
    {
        var id = new Argument<long>("id") { Description = "The import's id." };
        var user = UserOption();
        var report = new Option<FileInfo?>("--report") { Description = "Write the report as JSON to this file." };
        var command = new Command("resume", "Resume an import whose process stopped (a crash or kill): it goes on after its last committed batch.") { id };
        command.Options.Add(user);
        command.Options.Add(report);
        command.SetAction((parse, ct) => RunAsync(parse, ct, async db =>
        {
            var scope = await ScopeAsync(db, parse.GetValue(user), ct);
            var job = await ImportQueriesFind(db, scope, parse.GetValue(id), ct);
            if (job.IsFinished) throw new RuleViolation($"Import #{job.Id} has ended ({job.Status.ToString().ToLowerInvariant()}); there is nothing to resume.");
            await db.ImportJobs.Where(j => j.Id == job.Id).ExecuteUpdateAsync(s => s.SetProperty(j => j.Status, ImportStatus.Running).SetProperty(j => j.HeartbeatAt, DateTime.UtcNow), ct);
            return await RunJobAsync(db, KithCommandLine.DatabaseOptions(parse), job.Id, parse.GetValue(report), null, scope, ct);
        }, optimizeAfter: true));
        return command;
    }

    private static async Task<ImportJob> ImportQueriesFind(KithDb db, AccessScope scope, long id, CancellationToken ct) =>
        await new ImportQueries(db).GetAsync(scope, id, ct);

    internal static async Task<AccessScope> ScopeAsync(KithDb db, string? email, CancellationToken ct)
    {
        long id;
        if (email is not null)
            id = (await new UserAccounts(db, TimeProvider.System).FindByEmailAsync(email, ct))?.Id ?? throw new RuleViolation($"There is no user with the email {email}.");
        else
        {
            var admins = await db.Users.AsNoTracking().Where(u => u.Role == Role.Admin && !u.IsDisabled).Select(u => u.Id).Take(2).ToListAsync(ct);
            if (admins.Count != 1) throw new RuleViolation("Name the user the import acts as with --user EMAIL.");
            id = admins[0];
        }
        return await AccessScope.ForUserAsync(db, id, ct) ?? throw new RuleViolation("That user is disabled.");
    }

    internal static char? Delimiter(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        null or "" => null,
        "comma" or "," => ',',
        "semicolon" or ";" => ';',
        "tab" or "\\t" or "\t" => '\t',
        "pipe" or "|" => '|',
        var other => throw new RuleViolation($"--delimiter {other}: use comma, semicolon, tab or pipe."),
    };

    /// <summary>
    /// An option naming one of an enum's values in lower case, as the docs write them; the first value is the default.
    /// (Left to System.CommandLine, help said &lt;Create|Update|Upsert&gt; and a wrong value named the .NET type.)
    /// </summary>
    private static Option<T> Choice<T>(string name, string description) where T : struct, Enum
    {
        var names = Enum.GetNames<T>().Select(n => n.ToLowerInvariant()).ToArray();
        return new Option<T>(name)
        {
            Description = description,
            HelpName = string.Join('|', names),
            CustomParser = r =>
            {
                if (r.Tokens.Count == 0) return default;
                var text = r.Tokens[0].Value;
                if (Enum.TryParse<T>(text, ignoreCase: true, out var value) && Enum.IsDefined(value) && !int.TryParse(text, out _)) return value;
                r.AddError($"{name} {text}: use {string.Join(", ", names)}.");
                return default;
            },
        };
    }

    /// <summary>
    /// NAME=VALUE pairs. A --map column name may hold '=', so it splits at the last; a --missing field key cannot but
    /// its default value may (city=default:a=b), so that splits at the first.
    /// </summary>
    private static Dictionary<string, string> Pairs(string[]? values, string option, string form = "COLUMN=FIELD", bool atFirst = false)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var v in values ?? [])
        {
            var eq = atFirst ? v.IndexOf('=') : v.LastIndexOf('=');
            if (eq <= 0) throw new RuleViolation($"{option} {v}: write {form}.");
            map[v[..eq].Trim()] = v[(eq + 1)..].Trim();
        }
        return map;
    }

    private static Dictionary<string, MissingValueRule> Policies(string[]? values)
    {
        var rules = new Dictionary<string, MissingValueRule>(StringComparer.Ordinal);
        foreach (var (field, policy) in Pairs(values, "--missing", "FIELD=reject, FIELD=empty or FIELD=default:VALUE", atFirst: true))
        {
            rules[field] = policy.ToLowerInvariant() switch
            {
                "reject" => new MissingValueRule(MissingValuePolicy.Reject),
                "empty" => new MissingValueRule(MissingValuePolicy.Empty),
                var p when p.StartsWith("default:", StringComparison.Ordinal) => new MissingValueRule(MissingValuePolicy.Default, policy["default:".Length..]),
                _ => throw new RuleViolation($"--missing {field}={policy}: use reject, empty or default:VALUE."),
            };
        }
        return rules;
    }

    /// <summary>Like UsersCommand.RunAsync, but the work chooses the exit code, and file and mapping errors are plain messages.</summary>
    /// <param name="optimizeAfter">
    /// The work writes many rows: SQLite's statistics are refreshed once at the end, where they changed, rather than
    /// at the start (where they are about to go stale; this took seconds at the start of each of the four imports).
    /// Such work first builds the indexes an import that died left aside.
    /// </param>
    private static async Task<int> RunAsync(ParseResult parse, CancellationToken ct, Func<KithDb, Task<int>> work, bool optimizeAfter = false)
    {
        try
        {
            await using var db = await KithCommandLine.OpenDatabaseAsync(parse, ct, optimize: !optimizeAfter);
            if (optimizeAfter) await ImportRunner.RepairAsync(db, ct);
            var code = await work(db);
            if (optimizeAfter) await DatabaseInitializer.OptimizeAsync(db, CancellationToken.None);
            return code;
        }
        catch (Exception e) when (e is RuleViolation or MappingException or TabularFileException)
        {
            await Console.Error.WriteLineAsync($"kith: {e.Message}");
            if (e is RuleViolation rule)
                foreach (var (field, messages) in rule.Errors)
                    foreach (var message in messages.Where(m => m != rule.Message))
                        await Console.Error.WriteLineAsync($"  {field}: {message}");
            return 1;
        }
    }

    /// <summary>Reports on the calling thread (Progress&lt;T&gt; would post to the thread pool and draw out of order).</summary>
    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
