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
/// `kith export customers|companies FILE`: the list a user would see, with the same search, filter, sort and columns
/// as the web UI and API, written to a file as that user's reach allows. The file appears only when complete: rows
/// go to a hidden file beside it that is renamed at the end and removed on an error or Ctrl+C.
/// </summary>
internal static class ExportCommand
{
    private delegate Task<long> Export(KithDb db, AccessScope scope, ExportRequest request, Stream output, IProgress<ExportProgress> progress, CancellationToken ct);

    public static Command Build()
    {
        var command = new Command("export", "Export customers or companies to CSV or XLSX, with the header the importer reads back.");
        command.Subcommands.Add(Verb("customers",
            (db, scope, request, output, progress, ct) => new ExportCustomers(db, new ListEngine(db, TimeProvider.System)).HandleAsync(scope, request, output, progress, ct)));
        command.Subcommands.Add(Verb("companies",
            (db, scope, request, output, progress, ct) => new ExportCompanies(db, new ListEngine(db, TimeProvider.System)).HandleAsync(scope, request, output, progress, ct)));
        return command;
    }

    private static Command Verb(string noun, Export export)
    {
        var file = new Argument<string>("file") { Description = "The file to write; its extension (.csv or .xlsx) picks the format unless --format says otherwise." };
        var format = new Option<string?>("--format") { Description = "csv or xlsx (default: from the file's extension)." };
        var noBom = new Option<bool>("--no-bom") { Description = "CSV without the UTF-8 byte order mark (Excel then may not show Chinese correctly)." };
        var q = new Option<string?>("--q") { Description = "Search text, as in the list's search box." };
        var filter = new Option<string?>("--filter") { Description = "A filter in the list's filter language, e.g. \"stage eq customer and city eq 上海\"." };
        var sort = new Option<string?>("--sort") { Description = "A field to sort by, '-' first for descending, e.g. -updatedAt." };
        var columns = new Option<string?>("--columns") { Description = "Columns to write, comma-separated field keys (default: every importable field, kithId first)." };
        var user = new Option<string>("--user") { Description = "Email of the user whose reach the export has.", Required = true };
        var command = new Command(noun, $"Export the {noun} a user can see to FILE. Example: kith export {noun} {noun}.xlsx --user ada@example.com");
        command.Arguments.Add(file);
        foreach (var option in new Option[] { format, noBom, q, filter, sort, columns, user }) command.Options.Add(option);
        command.SetAction((parse, ct) => RunAsync(parse, noun, parse.GetValue(file)!, ct, async (db, path, output, progress) =>
        {
            var formatText = parse.GetValue(format);
            var chosen = formatText is not null ? ExportFormats.Parse(formatText, "--format")
                : ExportFormats.FromFileName(path) ?? throw new RuleViolation(
                    $"Cannot tell the format from the name {Path.GetFileName(path)}; name the file .csv or .xlsx, or pass --format csv or --format xlsx.");
            var owner = await UsersCommand.FindAsync(new UserAccounts(db, TimeProvider.System), parse.GetValue(user)!, ct);
            var scope = await AccessScope.ForUserAsync(db, owner.Id, ct)
                        ?? throw new RuleViolation($"{owner.Email} is disabled; an export runs with an active user's reach.");
            var request = new ExportRequest(parse.GetValue(q), parse.GetValue(filter), parse.GetValue(sort),
                ExportRequest.SplitColumns(parse.GetValue(columns)), chosen, !parse.GetValue(noBom));
            return await export(db, scope, request, output, progress, ct);
        }));
        return command;
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
