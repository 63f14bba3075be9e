using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Kith.Cli;
using Kith.Core.Analytics;
using Kith.Core.Exporting;
using Kith.Core.Infrastructure;

namespace Kith.Analytics;

/// <summary>
/// `kith analyze rfm` recomputes and stores every customer's RFM scores, as the analytics page's button does;
/// `kith analyze cohorts` prints a cohort retention table as CSV (or writes it as CSV or XLSX with --out) and how long
/// the counting took.
/// Both run on the database the global options name, for the whole business.
/// </summary>
internal static class AnalyzeCommand
{
    public const int Cancelled = 130;

    public static Command Build()
    {
        var command = new Command("analyze", "Behaviour analyses over the whole database.");
        AddTo(command);
        return command;
    }

    /// <summary>Adds the analytics subcommands to an existing `analyze` command (other features add theirs).</summary>
    public static void AddTo(Command analyze)
    {
        analyze.Subcommands.Add(RfmCommand());
        analyze.Subcommands.Add(CohortsCommand());
    }

    private static Option<string?> FromOption() => new("--from") { Description = "Start of the period, a date (2025-01-01) or UTC time; default 365 days before --to." };

    private static Option<string?> ToOption() => new("--to") { Description = "End of the period (a date counts whole); default the end of today." };

    private static Command RfmCommand()
    {
        var from = FromOption();
        var to = ToOption();
        var command = new Command("rfm", "Recompute every customer's RFM scores and segment over the period and store them. Ctrl+C stops and keeps the previous result.");
        command.Options.Add(from);
        command.Options.Add(to);
        command.SetAction(async (parse, ct) =>
        {
            try
            {
                return await UsersCommand.RunAsync(parse, ct, async db =>
                {
                    var period = AnalysisPeriod.Parse(parse.GetValue(from), parse.GetValue(to), TimeProvider.System);
                    var bar = new TerminalProgress("RFM");
                    var done = await new Rfm(db, TimeProvider.System).RunAsync(period, new Drawn(bar), ct);
                    bar.Done();
                    var n = CultureInfo.InvariantCulture;
                    Console.Out.WriteLine(string.Create(n, $"Scored {done.Customers:N0} customers who bought between {period.From:yyyy-MM-dd} and {period.To:yyyy-MM-dd} in {done.Elapsed.TotalSeconds:0.00} s."));
                    var summary = await new Rfm(db, TimeProvider.System).StoredAsync(WholeBusiness.Scope, ct);
                    foreach (var s in summary.Segments) Console.Out.WriteLine(string.Create(n, $"  {s.Segment,-20} {s.Customers,10:N0}"));
                });
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                await Console.Error.WriteLineAsync("kith: stopped; the previous RFM result is kept.");
                return Cancelled;
            }
        });
        return command;
    }

    private static Command CohortsCommand()
    {
        var from = FromOption();
        var to = ToOption();
        var by = new Option<string?>("--by") { Description = "signup (default) or first_purchase." };
        var type = new Option<string?>("--event") { Description = "Count only events of this type as activity (default: any)." };
        var output = new Option<string?>("--out") { Description = "Write the table to this file (.csv or .xlsx) instead of standard output as CSV." };
        var format = new Option<string?>("--format") { Description = "csv or xlsx (default: from the --out file's extension)." };
        var noBom = new Option<bool>("--no-bom") { Description = "A CSV file without the UTF-8 byte order mark (Excel then may not show Chinese correctly)." };
        var command = new Command("cohorts", "Cohort retention by month: the share of each cohort active in month 0, 1, 2, …");
        command.Options.Add(from);
        command.Options.Add(to);
        command.Options.Add(by);
        command.Options.Add(type);
        command.Options.Add(output);
        command.Options.Add(format);
        command.Options.Add(noBom);
        command.SetAction((parse, ct) => UsersCommand.RunAsync(parse, ct, async db =>
        {
            var path = parse.GetValue(output);
            var chosen = FileFormat(path, parse.GetValue(format));
            var period = AnalysisPeriod.Parse(parse.GetValue(from), parse.GetValue(to), TimeProvider.System);
            var basis = CohortRetention.ParseBy(parse.GetValue(by));
            var cohorts = new CohortRetention(db, TimeProvider.System);
            var cpu = Environment.CpuUsage.TotalTime;
            var watch = Stopwatch.StartNew();
            var table = await cohorts.HandleAsync(WholeBusiness.Scope, basis, parse.GetValue(type), period, refresh: true, ct);
            var counted = watch.Elapsed;
            var countedCpu = Environment.CpuUsage.TotalTime - cpu;
            watch.Restart();
            await cohorts.HandleAsync(WholeBusiness.Scope, basis, parse.GetValue(type), period, refresh: false, ct);
            var sliced = watch.Elapsed;
            var result = AnalyticsTables.Cohorts(table);
            if (path is not null)
            {
                await Kith.Exporting.ExportCommand.WriteFileAsync(path, async (file, token) =>
                {
                    await result.WriteAsync(file, chosen, !parse.GetValue(noBom), token);
                    return result.Rows.Count;
                }, ct);
            }
            else
            {
                // Through Console.Out, so that whatever standard output is (a pipe, a test's writer) gets the table.
                var bytes = await result.BytesAsync(ExportFormat.Csv, bom: false, ct);
                await Console.Out.WriteAsync(System.Text.Encoding.UTF8.GetString(bytes));
            }
            await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{table.Cohorts.Count} cohorts, {table.Cohorts.Sum(c => c.Customers):N0} customers; counted from the events in {counted.TotalSeconds:0.000} s ({countedCpu.TotalSeconds:0.000} s of CPU), a table from the kept counts in {sliced.TotalMilliseconds:0.0} ms."));
        }));
        return command;
    }

    /// <summary>
    /// The file format as `kith export` picks it: --format when given, else the --out file's extension; standard
    /// output takes CSV only (a workbook is no text for a terminal or a pipe).
    /// </summary>
    private static ExportFormat FileFormat(string? path, string? format)
    {
        var chosen = path is null ? ExportFormats.Parse(format, "--format") : Kith.Exporting.ExportCommand.Format(path, format);
        if (path is null && chosen == ExportFormat.Xlsx)
            throw new RuleViolation("An XLSX workbook is written to a file: add --out FILE.xlsx.");
        return chosen;
    }

    private sealed class Drawn(TerminalProgress bar) : IProgress<RfmProgress>
    {
        public void Report(RfmProgress p) => bar.Draw(p.Phase switch { RfmPhase.Scoring => 0.1, RfmPhase.Saving => 0.9, _ => 1 },
            p.Phase switch { RfmPhase.Scoring => "scoring purchases", RfmPhase.Saving => string.Create(CultureInfo.InvariantCulture, $"saving {p.Customers:N0} customers"), _ => "done" }, force: true);
    }
}
