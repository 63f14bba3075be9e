using System.CommandLine;
using System.Globalization;
using Kith.Cli;
using Kith.Core.Behavior;
using Kith.Core.Infrastructure;

namespace Kith.Behavior;

/// <summary>
/// `kith analyze behavior --out FILE.csv`: events per type per customer (see <see cref="AnalyzeBehavior"/>), with a
/// progress bar on standard error; Ctrl+C stops it and removes the partial file. --rebuild counts the rollup again
/// from all events first.
/// </summary>
internal static class AnalyzeBehaviorCommand
{
    public static Command Build()
    {
        var output = new Option<FileInfo>("--out") { Description = "The CSV file to write.", Required = true };
        var user = new Option<string?>("--user") { Description = "Email of the user whose reach applies; default: the only administrator, if there is one." };
        var rebuild = new Option<bool>("--rebuild") { Description = "Count the behaviour rollup again from every event before writing (normally it is caught up incrementally)." };
        var command = new Command("behavior", "Write the number of events of each type per customer (customer_id, access, like, purchase, other types) as CSV.")
            { output, user, rebuild };
        command.SetAction(async (parse, ct) =>
        {
            var file = parse.GetValue(output)!;
            var partial = file.FullName + ".partial";
            try
            {
                await using var db = await KithCommandLine.OpenDatabaseAsync(parse, ct);
                var scope = await ImportCommand.ScopeAsync(db, parse.GetValue(user), ct);
                var rollup = new BehaviorRollup(db, TimeProvider.System);
                if (parse.GetValue(rebuild))
                {
                    var bar = new TerminalProgress("rebuilding the behaviour rollup");
                    bar.Draw(0, "", force: true);
                    var r = await rollup.RebuildAsync(new RebuildProgress(bar), ct);
                    bar.Draw(1, $"{r.Events:N0} events in {r.Elapsed.TotalSeconds:F2} s", force: true);
                    bar.Done();
                }
                var progress = new TerminalProgress("analyze behavior");
                AnalyzeOutcome outcome;
                await using (var stream = File.Create(partial))
                    outcome = await new AnalyzeBehavior(db, rollup).WriteCsvAsync(stream, scope, new Progress(progress), ct);
                File.Move(partial, file.FullName, overwrite: true);
                progress.Done();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{outcome.Customers} customers, types {string.Join(", ", outcome.Types)} -> {file.FullName} in {outcome.Elapsed.TotalSeconds:F3} s (catch-up {outcome.CatchUp.TotalSeconds:F3} s)"));
                return 0;
            }
            catch (OperationCanceledException)
            {
                File.Delete(partial);
                await Console.Error.WriteLineAsync("kith: analyze behavior cancelled; nothing written.");
                return 130;
            }
            catch (RuleViolation e)
            {
                File.Delete(partial);
                await Console.Error.WriteLineAsync($"kith: {e.Message}");
                return 1;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                await Console.Error.WriteLineAsync($"kith: cannot write {file.FullName}: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    private sealed class RebuildProgress(TerminalProgress bar) : IProgress<RollupProgress>
    {
        public void Report(RollupProgress value) =>
            bar.Draw(value.Total == 0 ? 0 : (double)value.Done / value.Total, $"{value.Done:N0}/{value.Total:N0} events");
    }

    /// <summary>Draws on the calling thread, in order.</summary>
    private sealed class Progress(TerminalProgress bar) : IProgress<AnalyzeProgress>
    {
        public void Report(AnalyzeProgress value) =>
            bar.Draw(value.Total == 0 ? 0 : (double)value.Done / value.Total, $"{value.Phase} {value.Done:N0}/{value.Total:N0}", force: value.Done == value.Total);
    }
}
