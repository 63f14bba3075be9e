using Kith.Core.Infrastructure;
using Kith.Core.Behavior;

namespace Kith.Behavior;

/// <summary>
/// Keeps the behaviour rollup current in the server: catches up every couple of seconds. A round with nothing new
/// costs two primary-key lookups and a settings read, so the summary is at most a few seconds behind the events.
/// Once a day it deletes the daily counts no window reaches any more.
/// </summary>
/// <remarks>
/// While events stream in, a round holds SQLite's one writer for as long as it takes, and ingestion waits (ADR-0027).
/// So a round adds at most <see cref="RowsPerRound"/> events (and purchases), which bounds how long it holds the
/// writer, and after a long round the next waits four times as long: the rollup then takes at most a fifth of the
/// writer's time, and each round adds more events for about the same cost (its price is mostly rewriting the summary
/// of every customer it touches, once per round however many events they had). While events keep arriving a round
/// never becomes a full rebuild (ADR-0037): a rebuild holds the writer longer than a batch waits for it. A round
/// slower than <see cref="LongestRound"/> (a busy machine: one of 100,000 events took 48.6 s at a load average of 13 on
/// 2 cores, and the batches waiting behind it got 503 after busy_timeout's 30 s) makes the next add proportionally
/// fewer rows, down to <see cref="FewestRowsPerRound"/>; quicker rounds double it again (ADR-0039). The rebuild once the
/// stream pauses holds the writer only to write, a range of customers at a time, so a batch that resumes the stream
/// waits for one such write at most (ADR-0044). On SQLite the incremental rounds do the same (ADR-0047): they count in a
/// read transaction and write a range of customers at a time, so they are paced by the time their writes held the
/// writer, not by the whole round.
/// </remarks>
internal sealed class BehaviorWorker(JobLocks locks, IServiceScopeFactory scopes, ILogger<BehaviorWorker> log, TimeProvider clock) : BackgroundService
{
    private static readonly TimeSpan Every = TimeSpan.FromSeconds(2);

    /// <summary>Events (and purchases) one round adds at most: at most as many customers' summaries rewritten, a few seconds of writing.</summary>
    public const long RowsPerRound = 100_000;

    /// <summary>The fewest rows a round adds, however slow the last one was: a round has a fixed cost too.</summary>
    public const long FewestRowsPerRound = 5_000;

    /// <summary>How long a round should hold the writer at most: a third of the 30 s a batch waits for it.</summary>
    private static readonly TimeSpan LongestRound = TimeSpan.FromSeconds(10);

    /// <summary>Runs on one node at a time when several share a PostgreSQL database.</summary>
    public const string Job = "behavior-rollup";

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => locks.RunWhileHeldAsync(Job, RunAsync, stoppingToken);

    /// <summary>The pause before the next round: <see cref="Every"/>, or four times a longer round.</summary>
    internal static TimeSpan PauseAfter(TimeSpan round) => round * 4 > Every ? round * 4 : Every;

    /// <summary>The rows of the next round: scaled down after a round longer than <see cref="LongestRound"/>, doubled (up to <see cref="RowsPerRound"/>) after a quicker one.</summary>
    internal static long RowsAfter(long rows, TimeSpan round) => round > LongestRound
        ? Math.Max(FewestRowsPerRound, (long)(rows * (LongestRound / round)))
        : Math.Min(RowsPerRound, rows * 2);

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        // The newest event the last round saw: events stored after it mean a stream is running (no rebuild meanwhile).
        var newestSeen = 0L;
        var rows = RowsPerRound;
        // The day the old days were last deleted: once a day (and at start), a scan of behavior_days.
        var pruned = DateOnly.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var rollup = scope.ServiceProvider.GetRequiredService<BehaviorRollup>();
                var today = BehaviorQueries.Today(clock);
                if (today != pruned)
                {
                    var gone = await rollup.PruneDaysAsync(stoppingToken);
                    if (gone > 0) log.LogInformation("Behaviour rollup: deleted {Days} daily counts older than every window", gone);
                    pruned = today;
                }
                var outcome = await rollup.CatchUpAsync(rows, newestSeen, stoppingToken);
                // A round with nothing to do reports no newest event; the one seen before still holds.
                newestSeen = Math.Max(newestSeen, outcome.NewestEvent);
                // A round that counted without the writer and wrote in ranges (SQLite, ADR-0047) is paced by its writes alone.
                var busy = outcome is { Rebuilt: false, Writes: > 0 } ? outcome.HeldWriter : outcome.Elapsed;
                rows = RowsAfter(rows, busy);
                if (outcome.Elapsed > TimeSpan.FromSeconds(1))
                    log.LogInformation("Behaviour rollup caught up {Events} events and {Purchases} purchases, recounted {Recounted} customers in {Seconds:F1} s{More}{Writes}",
                        outcome.Events, outcome.Purchases, outcome.Recounted, outcome.Elapsed.TotalSeconds, outcome.Behind ? "; more to come" : "",
                        outcome.Writes > 0 ? $" ({(outcome.Rebuilt ? "rebuilt" : "written")} in {outcome.Writes} writes, the longest {outcome.LongestWrite.TotalSeconds:F2} s)" : "");
                await Task.Delay(PauseAfter(busy), stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // A failed round changed nothing (one transaction); the next tries again.
                log.LogError(e, "The behaviour rollup could not catch up");
                try
                {
                    await Task.Delay(Every * 5, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}
