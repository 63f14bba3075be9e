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
/// the counting took; `funnel`, `trends`, `top` and `heatmap` print or write the analytics page's tables the same way.
/// All run on the database the global options name, for the whole business.
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
        analyze.Subcommands.Add(FunnelCommand());
        analyze.Subcommands.Add(TrendsCommand());
        analyze.Subcommands.Add(TopCommand());
        analyze.Subcommands.Add(HeatmapCommand());
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
        var by = new Option<string?>("--by") { Description = "signup (default) or first_purchase." };
        var type = new Option<string?>("--event") { Description = "Count only events of this type as activity (default: any)." };
        return TableCommand("cohorts", "Cohort retention by month: the share of each cohort active in month 0, 1, 2, …", [by, type],
            async (parse, db, period, ct) =>
            {
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
                return (AnalyticsTables.Cohorts(table), string.Create(CultureInfo.InvariantCulture,
                    $"{table.Cohorts.Count} cohorts, {table.Cohorts.Sum(c => c.Customers):N0} customers; counted from the events in {counted.TotalSeconds:0.000} s ({countedCpu.TotalSeconds:0.000} s of CPU), a table from the kept counts in {sliced.TotalMilliseconds:0.0} ms."));
            });
    }

    private static Command FunnelCommand()
    {
        var steps = new Option<string?>("--steps") { Description = "The event types in order, comma-separated (such as access,add_to_cart,purchase)." };
        var window = new Option<string?>("--window-days") { Description = "Days from a customer's first step within which the later steps count (default 30)." };
        return TableCommand("funnel", "A funnel across event types: the customers reaching each step and the conversion between steps.", [steps, window],
            async (parse, db, period, ct) =>
            {
                var parsed = Funnel.ParseSteps(parse.GetValue(steps));
                var days = Funnel.ParseWindow(parse.GetValue(window));
                return (AnalyticsTables.Funnel(await new Funnel(db, TimeProvider.System).HandleAsync(WholeBusiness.Scope, parsed, days, period, ct)), null);
            });
    }

    private static Command TrendsCommand()
    {
        var metric = new Option<string?>("--metric") { Description = "events (default), pages, communications, outcomes, purchases, revenue, new_customers or active_customers." };
        var interval = new Option<string?>("--interval") { Description = "day, week or month (default month)." };
        return TableCommand("trends", "A trend over time by channel, page or product: one row per day, week or month.", [metric, interval],
            async (parse, db, period, ct) =>
            {
                var m = Trends.ParseMetric(parse.GetValue(metric));
                var i = AnalysisPeriod.ParseInterval(parse.GetValue(interval));
                return (AnalyticsTables.Trend(await new Trends(db, TimeProvider.System).HandleAsync(WholeBusiness.Scope, m, i, period, ct)), null);
            });
    }

    private static Command TopCommand()
    {
        var kind = new Option<string?>("--kind") { Description = "products (default) or pages." };
        var limit = new Option<string?>("--limit") { Description = "How many, 1 to 100 (default 20)." };
        return TableCommand("top", "The top products (order lines, customers, quantity, revenue) or pages (views, visitors) of the period.", [kind, limit],
            async (parse, db, period, ct) =>
            {
                var k = TopItems.ParseKind(parse.GetValue(kind));
                var n = TopItems.ParseLimit(parse.GetValue(limit));
                return (AnalyticsTables.Top(await new TopItems(db, TimeProvider.System).HandleAsync(WholeBusiness.Scope, k, n, period, ct)), null);
            });
    }

    private static Command HeatmapCommand()
    {
        var type = new Option<string?>("--event") { Description = "Count only events of this type (default: any)." };
        return TableCommand("heatmap", "Activity by weekday and hour: the events of the period in each hour of each weekday.", [type],
            async (parse, db, period, ct) =>
                (AnalyticsTables.Heatmap(await new ActivityHeatmap(db, TimeProvider.System).HandleAsync(WholeBusiness.Scope, parse.GetValue(type), period, ct)), null));
    }

    /// <summary>
    /// An analysis of the whole business over --from/--to, printed as CSV or written with --out as CSV or XLSX (the
    /// same table as the analytics page's download), then a line on standard error: the analysis's own, or the rows
    /// and the period.
    /// </summary>
    private static Command TableCommand(string name, string description, IReadOnlyList<Option> options,
        Func<ParseResult, KithDb, AnalysisPeriod, CancellationToken, Task<(AnalyticsTable Table, string? Summary)>> analyse)
    {
        var from = FromOption();
        var to = ToOption();
        var output = new Option<string?>("--out") { Description = "Write the table to this file (.csv or .xlsx) instead of standard output as CSV." };
        var format = new Option<string?>("--format") { Description = "csv or xlsx (default: from the --out file's extension)." };
        var noBom = new Option<bool>("--no-bom") { Description = "A CSV file without the UTF-8 byte order mark (Excel then may not show Chinese correctly)." };
        var command = new Command(name, description);
        foreach (var option in options) command.Options.Add(option);
        command.Options.Add(from);
        command.Options.Add(to);
        command.Options.Add(output);
        command.Options.Add(format);
        command.Options.Add(noBom);
        command.SetAction((parse, ct) => UsersCommand.RunAsync(parse, ct, async db =>
        {
            var path = parse.GetValue(output);
            var chosen = FileFormat(path, parse.GetValue(format));
            var period = AnalysisPeriod.Parse(parse.GetValue(from), parse.GetValue(to), TimeProvider.System);
            var (table, summary) = await analyse(parse, db, period, ct);
            await WriteAsync(table, path, chosen, !parse.GetValue(noBom), ct);
            await Console.Error.WriteLineAsync(summary ?? string.Create(CultureInfo.InvariantCulture,
                $"{table.Rows.Count:N0} rows, {period.From:yyyy-MM-dd} to {period.To:yyyy-MM-dd}{(path is null ? "" : $", written to {path}")}."));
        }));
        return command;
    }

    /// <summary>To the --out file (hidden, then renamed, as `kith export` writes), or to standard output as CSV.</summary>
    private static async Task WriteAsync(AnalyticsTable table, string? path, ExportFormat format, bool bom, CancellationToken ct)
    {
        if (path is not null)
        {
            await Kith.Exporting.ExportCommand.WriteFileAsync(path, async (file, token) =>
            {
                await table.WriteAsync(file, format, bom, token);
                return table.Rows.Count;
            }, ct);
            return;
        }
        // Through Console.Out, so that whatever standard output is (a pipe, a test's writer) gets the table.
        var bytes = await table.BytesAsync(ExportFormat.Csv, bom: false, ct);
        await Console.Out.WriteAsync(System.Text.Encoding.UTF8.GetString(bytes));
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
