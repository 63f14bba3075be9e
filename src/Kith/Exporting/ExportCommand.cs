using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Kith.Cli;
using Kith.Core.Exporting;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Core.Listing;

namespace Kith.Exporting;

/// <summary>
/// `kith export customers|companies|cases FILE`: the list a user would see, with the same search, filter, sort and
/// columns as the web UI and API (the case list: its own filters), written to a file as that user's reach allows. The file appears only when complete: rows
/// go to a hidden file beside it that is renamed at the end and removed on an error or Ctrl+C.
/// </summary>
internal static class ExportCommand
{
    private delegate Task<long> Export(KithDb db, AccessScope scope, ExportRequest request, Stream output, IProgress<ExportProgress> progress, CancellationToken ct);

    public static Command Build()
    {
        var command = new Command("export", "Export customers, companies or cases to CSV or XLSX (customers and companies with the header the importer reads back).");
        command.Subcommands.Add(Verb("customers",
            (db, scope, request, output, progress, ct) => new ExportCustomers(db, new ListEngine(db, TimeProvider.System)).HandleAsync(scope, request, output, progress, ct)));
        command.Subcommands.Add(Verb("companies",
            (db, scope, request, output, progress, ct) => new ExportCompanies(db, new ListEngine(db, TimeProvider.System)).HandleAsync(scope, request, output, progress, ct)));
        command.Subcommands.Add(CasesVerb());
        return command;
    }

    /// <summary>`kith export cases FILE`: the case list with its own filters, as /cases and GET /api/v1/cases/export take them.</summary>
    private static Command CasesVerb()
    {
        var (file, format, noBom, user) = FileOptions("cases");
        var status = new Option<string?>("--status") { Description = "Statuses, comma-separated: open, pending, resolved, closed (default: all)." };
        var priority = new Option<string?>("--priority") { Description = "Priorities, comma-separated: low, normal, high, urgent (default: all)." };
        var assignee = new Option<string?>("--assignee") { Description = "Only cases assigned to this user (an email), or none for unassigned cases." };
        var customer = new Option<string?>("--customer") { Description = "Only this customer's cases (the customer's id)." };
        var breached = new Option<string?>("--breached") { Description = "true for cases past their SLA due time only, false for the others." };
        var q = new Option<string?>("--q") { Description = "Subject words or a case #number." };
        var command = new Command("cases", "Export the cases a user can see to FILE. Example: kith export cases open.xlsx --status open,pending --user ada@example.com");
        command.Arguments.Add(file);
        foreach (var option in new Option[] { format, noBom, status, priority, assignee, customer, breached, q, user }) command.Options.Add(option);
        command.SetAction((parse, ct) => RunAsync(parse, "cases", parse.GetValue(file)!, ct, async (db, path, output, progress) =>
        {
            var chosen = Format(path, parse.GetValue(format));
            var accounts = new UserAccounts(db, TimeProvider.System);
            var scope = await ScopeAsync(db, accounts, parse.GetValue(user)!, ct);
            var assigneeId = parse.GetValue(assignee) is { } who && !string.Equals(who.Trim(), "none", StringComparison.OrdinalIgnoreCase)
                ? (await UsersCommand.FindAsync(accounts, who, ct)).Id.ToString(CultureInfo.InvariantCulture)
                : parse.GetValue(assignee)?.Trim().ToLowerInvariant();
            var filter = Kith.Cases.CasesApi.Filter(parse.GetValue(status), parse.GetValue(priority), assigneeId, parse.GetValue(customer),
                parse.GetValue(breached)?.ToLowerInvariant(), parse.GetValue(q));
            var queries = new Kith.Core.Cases.CaseQueries(db, new Kith.Core.Cases.CaseRules(db, new Kith.Core.Cases.CaseSlaTargets(db)), new Kith.Core.History.ChangeLog(db), TimeProvider.System);
            return await new ExportCases(queries, db).HandleAsync(scope, filter, chosen, !parse.GetValue(noBom), output, ct);
        }));
        return command;
    }

    private static Command Verb(string noun, Export export)
    {
        var (file, format, noBom, user) = FileOptions(noun);
        var q = new Option<string?>("--q") { Description = "Search text, as in the list's search box." };
        var filter = new Option<string?>("--filter") { Description = "A filter in the list's filter language, e.g. \"stage eq customer and city eq 上海\"." };
        var sort = new Option<string?>("--sort") { Description = "A field to sort by, '-' first for descending, e.g. -updatedAt." };
        var columns = new Option<string?>("--columns") { Description = "Columns to write, comma-separated field keys (default: every importable field, kithId first)." };
        var command = new Command(noun, $"Export the {noun} a user can see to FILE. Example: kith export {noun} {noun}.xlsx --user ada@example.com");
        command.Arguments.Add(file);
        foreach (var option in new Option[] { format, noBom, q, filter, sort, columns, user }) command.Options.Add(option);
        command.SetAction((parse, ct) => RunAsync(parse, noun, parse.GetValue(file)!, ct, async (db, path, output, progress) =>
        {
            var chosen = Format(path, parse.GetValue(format));
            var scope = await ScopeAsync(db, new UserAccounts(db, TimeProvider.System), parse.GetValue(user)!, ct);
            var request = new ExportRequest(parse.GetValue(q), parse.GetValue(filter), parse.GetValue(sort),
                ExportRequest.SplitColumns(parse.GetValue(columns)), chosen, !parse.GetValue(noBom));
            return await export(db, scope, request, output, progress, ct);
        }));
        return command;
    }

    private static (Argument<string> File, Option<string?> Format, Option<bool> NoBom, Option<string> User) FileOptions(string noun) => (
        new Argument<string>("file") { Description = "The file to write; its extension (.csv or .xlsx) picks the format unless --format says otherwise." },
        new Option<string?>("--format") { Description = "csv or xlsx (default: from the file's extension)." },
        new Option<bool>("--no-bom") { Description = "CSV without the UTF-8 byte order mark (Excel then may not show Chinese correctly)." },
        new Option<string>("--user") { Description = $"Email of the user whose reach the export has: the {noun} they can see.", Required = true });

    /// <summary>--format when given, else the file's extension.</summary>
    internal static ExportFormat Format(string path, string? format) =>
        format is not null ? ExportFormats.Parse(format, "--format")
            : ExportFormats.FromFileName(path) ?? throw new RuleViolation(
                $"Cannot tell the format from the name {Path.GetFileName(path)}; name the file .csv or .xlsx, or pass --format csv or --format xlsx.");

    private static async Task<AccessScope> ScopeAsync(KithDb db, UserAccounts accounts, string email, CancellationToken ct)
    {
        var owner = await UsersCommand.FindAsync(accounts, email, ct);
        return await AccessScope.ForUserAsync(db, owner.Id, ct)
               ?? throw new RuleViolation($"{owner.Email} is disabled; an export runs with an active user's reach.");
    }

    private static async Task<int> RunAsync(ParseResult parse, string noun, string path, CancellationToken ct,
        Func<KithDb, string, Stream, IProgress<ExportProgress>, Task<long>> work)
    {
        var bar = new TerminalProgress(noun);
        try
        {
            await using var db = await KithCommandLine.OpenDatabaseAsync(parse, ct);
            var rows = await WriteFileAsync(path, (output, token) => work(db, path, output, bar), ct);
            bar.Done();
            Console.Out.WriteLine($"Exported {rows.ToString("N0", CultureInfo.InvariantCulture)} {noun} to {path}.");
            return 0;
        }
        catch (RuleViolation rule)
        {
            bar.Done();
            await Console.Error.WriteLineAsync($"kith: {rule.Message}");
            foreach (var (field, messages) in rule.Errors)
                foreach (var message in messages.Where(m => m != rule.Message))
                    await Console.Error.WriteLineAsync($"  {field}: {message}");
            return 1;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            bar.Done();
            await Console.Error.WriteLineAsync($"kith: the export was cancelled; {path} was not written.");
            return 1;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            bar.Done();
            await Console.Error.WriteLineAsync($"kith: cannot write {path}: {e.Message}");
            return 1;
        }
    }

    /// <summary>
    /// Runs <paramref name="write"/> into a hidden file next to <paramref name="path"/> and moves it into place only
    /// when it succeeds, so an existing file is replaced whole or not at all and nothing half-written is left behind.
    /// </summary>
    internal static async Task<long> WriteFileAsync(string path, Func<Stream, CancellationToken, Task<long>> write, CancellationToken ct)
    {
        var full = Path.GetFullPath(path);
        var partial = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.partial");
        try
        {
            long rows;
            await using (var output = new FileStream(partial, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024, useAsync: true))
            {
                rows = await write(output, ct);
            }
            File.Move(partial, full, overwrite: true);
            return rows;
        }
        finally
        {
            if (File.Exists(partial)) File.Delete(partial);
        }
    }

    /// <summary>
    /// Progress on standard error: a bar redrawn in place on a terminal (rows, and the percentage when the total is
    /// counted rather than estimated), and a line every few seconds when standard error goes to a file or a pipe.
    /// </summary>
    private sealed class TerminalProgress(string noun) : IProgress<ExportProgress>
    {
        private const int Width = 30;
        private readonly bool _terminal = !Console.IsErrorRedirected;
        private readonly Stopwatch _clock = new();
        private ExportProgress? _latest;
        private bool _drawn;

        public void Report(ExportProgress value)
        {
            _latest = value;
            var interval = _terminal ? TimeSpan.FromMilliseconds(100) : TimeSpan.FromSeconds(5);
            if (_clock.IsRunning && _clock.Elapsed < interval) return;
            _clock.Restart();
            Draw(value);
        }

        /// <summary>Draws the final count on a terminal and ends the bar's line, so what follows starts on its own line.</summary>
        public void Done()
        {
            if (_terminal && _drawn && _latest is { } last) Draw(last);
            if (_drawn && _terminal) Console.Error.WriteLine();
            _drawn = false;
        }

        private void Draw(ExportProgress value)
        {
            var rows = value.Rows.ToString("N0", CultureInfo.InvariantCulture);
            var total = value.Total.ToString("N0", CultureInfo.InvariantCulture);
            var text = value.Percent is { } percent
                ? $"[{new string('#', percent * Width / 100)}{new string('-', Width - percent * Width / 100)}] {percent,3}%  {rows} of {total} {noun}"
                : $"{rows} {noun} of about {total}";
            if (_terminal) Console.Error.Write("\r" + text.PadRight(79));
            else Console.Error.WriteLine(text);
            _drawn = true;
        }
    }
}
