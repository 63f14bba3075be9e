using Kith.Core.Infrastructure;
using Kith.Core.Importing;

namespace Kith.Importing;

/// <summary>Wakes the import worker when a job is queued, so it starts at once rather than at the next poll.</summary>
public sealed class ImportSignal
{
    private readonly SemaphoreSlim _signal = new(0, int.MaxValue);

    public void Poke() => _signal.Release();

    public Task WaitAsync(TimeSpan timeout, CancellationToken ct) => _signal.WaitAsync(timeout, ct);
}

/// <summary>
/// Runs queued imports in the server, one at a time, and resumes imports a stopped process left behind. On shutdown
/// a running import stops after its current batch and resumes on the next start.
/// </summary>
internal sealed class ImportWorker(JobLocks locks, IServiceScopeFactory scopes, ImportSignal signal, ILogger<ImportWorker> log) : BackgroundService
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(5);

    /// <summary>Runs on one node at a time when several share a PostgreSQL database.</summary>
    public const string Job = "imports";

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => locks.RunWhileHeldAsync(Job, RunAsync, stoppingToken);

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var ran = false;
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                ran = await scope.ServiceProvider.GetRequiredService<ImportQueue>().RunNextAsync(null, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // The job itself is marked failed by the runner; the worker goes on with the next one.
                log.LogError(e, "An import failed");
            }
            if (!ran)
            {
                try
                {
                    await signal.WaitAsync(Poll, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}
