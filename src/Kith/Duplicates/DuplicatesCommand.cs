using System.CommandLine;
using System.Globalization;
using Kith.Core.Duplicates;
using Kith.Core.Infrastructure;

namespace Kith.Cli;

/// <summary>
/// `kith duplicates scan`: finds customers who are probably one person, as the review page's "Scan now" does, on the
/// database the global options name. Progress goes to standard error and the counts to standard output.
/// </summary>
internal static class DuplicatesCommand
{
    public const int Cancelled = 130;

    public static Command Build()
    {
        var command = new Command("duplicates", "Find customers who are probably the same person.");
        command.Subcommands.Add(Scan());
        return command;
    }

    private static Command Scan()
    {
        var command = new Command("scan",
            "Scan every live customer for duplicates and store the pairs for review; dismissed pairs stay dismissed. " +
            "Ctrl+C stops the scan and stores nothing.");
        command.SetAction(async (parse, ct) =>
        {
            try
            {
                return await UsersCommand.RunAsync(parse, ct, async db =>
                {
                    var bar = new TerminalProgress("Scanning");
                    var result = await new FindDuplicates(db, TimeProvider.System).RunAsync(new Drawn(bar), ct);
                    bar.Done();
                    Print(result);
                });
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                await Console.Error.WriteLineAsync();
                await Console.Error.WriteLineAsync("kith: the scan was stopped; nothing was stored.");
                return Cancelled;
            }
        });
        return command;
    }

    private static void Print(DuplicateScanResult r)
    {
        var n = CultureInfo.InvariantCulture;
        Console.Out.WriteLine(string.Create(n, $"Scanned {r.Scanned:N0} customers in {r.Elapsed.TotalSeconds:0.0} s."));
        Console.Out.WriteLine(string.Create(n,
            $"Pairs found: {r.Found:N0} ({r.Added:N0} new, {r.Updated:N0} with a new score, {r.StillDismissed:N0} dismissed before). Open pairs that no longer match, removed: {r.Removed:N0}."));
        Console.Out.WriteLine(string.Create(n, $"Open for review: {r.Open:N0}."));
        if (r.CappedBlocks.Count == 0) return;
        Console.Out.WriteLine("Shared by too many customers to compare each pair (only similar names among them were compared):");
        foreach (var block in r.CappedBlocks.OrderByDescending(b => b.Size).Take(10))
            Console.Out.WriteLine(string.Create(n, $"  {block.Signal} {block.Value}: {block.Size:N0} customers"));
        if (r.CappedBlocks.Count > 10) Console.Out.WriteLine(string.Create(n, $"  … and {r.CappedBlocks.Count - 10:N0} more."));
    }

    /// <summary>Draws each report as it comes, on the scan's threads; the bar itself is not thread-safe.</summary>
    private sealed class Drawn(TerminalProgress bar) : IProgress<DuplicateScanProgress>
    {
        private readonly Lock _gate = new();

        public void Report(DuplicateScanProgress p)
        {
            var n = CultureInfo.InvariantCulture;
            lock (_gate)
            {
                switch (p.Phase)
                {
                    case DuplicateScanPhase.Reading:
                        bar.Draw(p.Total == 0 ? 1 : 0.9 * p.Scanned / p.Total, string.Create(n, $"read {p.Scanned:N0} of {p.Total:N0}"), p.Scanned == 0);
                        break;
                    case DuplicateScanPhase.Comparing:
                        bar.Draw(0.9, string.Create(n, $"comparing {p.Scanned:N0} customers"), force: true);
                        break;
                    default:
                        bar.Draw(0.95, "saving the pairs", force: true);
                        break;
                }
            }
        }
    }
}
