using System.Globalization;
using Kith.Cli;
using Kith.Core.Behavior;
using Kith.Core.Infrastructure;

namespace Kith.Behavior;

/// <summary>
/// After `kith import events`: brings the behaviour summary up to date before the command returns, so that the list,
/// the customer page and `kith analyze behavior` show the imported events at once. A bulk import is counted by one
/// ordered rebuild (ADR-0031), with a progress bar; a small one by the usual catch-up.
/// </summary>
internal static class BehaviorCatchUp
{
    public static async Task AfterImportAsync(KithDb db, CancellationToken ct)
    {
        // The import's keys and batches are garbage now: hand their memory back before the ordered build takes its
        // own arrays, so the command peaks at the larger of the two rather than at their sum.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        var bar = new TerminalProgress("behaviour summary");
        bar.Draw(0, "", force: true);
        var outcome = await new BehaviorRollup(db, TimeProvider.System).CatchUpAsync(new Inline(p =>
            bar.Draw(p.Total == 0 ? 1 : (double)p.Done / p.Total, string.Create(CultureInfo.InvariantCulture, $"{p.Done:N0}/{p.Total:N0} events"), force: false)), ct);
        bar.Draw(1, string.Create(CultureInfo.InvariantCulture,
            $"{(outcome.Rebuilt ? "rebuilt from" : "added")} {outcome.Events:N0} events in {outcome.Elapsed.TotalSeconds:F1} s"), force: true);
        bar.Done();
    }

    /// <summary>Draws on the calling thread, in order.</summary>
    private sealed class Inline(Action<RollupProgress> report) : IProgress<RollupProgress>
    {
        public void Report(RollupProgress value) => report(value);
    }
}
