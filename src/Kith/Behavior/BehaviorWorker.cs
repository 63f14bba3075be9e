using Kith.Core.Infrastructure;
using Kith.Core.Behavior;

namespace Kith.Behavior;

/// <summary>
/// Keeps the behaviour rollup current in the server: catches up every couple of seconds. A round with nothing new
/// costs two primary-key lookups and a settings read, so the summary is at most a few seconds behind the events.
/// </summary>
internal sealed class BehaviorWorker(JobLocks locks, IServiceScopeFactory scopes, ILogger<BehaviorWorker> log) : BackgroundService
{
    private static readonly TimeSpan Every = TimeSpan.FromSeconds(2);

    /// <summary>Runs on one node at a time when several share a PostgreSQL database.</summary>
    public const string Job = "behavior-rollup";

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => locks.RunWhileHeldAsync(Job, RunAsync, stoppingToken);

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var outcome = await scope.ServiceProvider.GetRequiredService<BehaviorRollup>().CatchUpAsync(stoppingToken);
                if (outcome.Elapsed > TimeSpan.FromSeconds(1))
                    log.LogInformation("Behaviour rollup caught up {Events} events and {Purchases} purchases, recounted {Recounted} customers in {Seconds:F1} s",
                        outcome.Events, outcome.Purchases, outcome.Recounted, outcome.Elapsed.TotalSeconds);
                await Task.Delay(Every, stoppingToken);
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
