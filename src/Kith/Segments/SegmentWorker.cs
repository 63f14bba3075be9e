using Kith.Core.Infrastructure;
using Kith.Core.Segments;

namespace Kith.Segments;

/// <summary>
/// Keeps segment membership recorded: a segment just saved at once, and every segment on a schedule (every
/// <see cref="Every"/>), so entering and leaving is known within that time even when nobody looks.
/// </summary>
internal sealed class SegmentWorker(JobLocks locks, IServiceScopeFactory scopes, SegmentSignal signal, ILogger<SegmentWorker> log) : BackgroundService
{
    public static readonly TimeSpan Every = TimeSpan.FromMinutes(15);

    /// <summary>Runs on one node at a time when several share a PostgreSQL database.</summary>
    public const string Job = "segments";

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => locks.RunWhileHeldAsync(Job, RunAsync, stoppingToken);

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        var next = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            long? one = null;
            try
            {
                var wait = next - DateTime.UtcNow;
                if (wait > TimeSpan.Zero)
                {
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                    timeout.CancelAfter(wait);
                    try { one = await signal.Requests.ReadAsync(timeout.Token); }
                    catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested) { }
                }
                await using var scope = scopes.CreateAsyncScope();
                var refresh = scope.ServiceProvider.GetRequiredService<RefreshSegment>();
                if (one is { } id) await refresh.HandleAsync(id, stoppingToken);
                else
                {
                    await refresh.AllAsync(stoppingToken);
                    next = DateTime.UtcNow + Every;
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                log.LogError(e, "Refreshing segments failed");
                next = DateTime.UtcNow + Every;
            }
        }
    }
}
