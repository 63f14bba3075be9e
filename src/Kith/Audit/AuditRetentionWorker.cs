using Kith.Core.Audit;

namespace Kith.Audit;

/// <summary>
/// Purges audit entries past the retention period once a day (and shortly after start). The purge works under the
/// chain lock, so when several servers share a PostgreSQL database the second one finds nothing left to do.
/// </summary>
internal sealed class AuditRetentionWorker(IServiceScopeFactory scopes, TimeProvider clock, ILogger<AuditRetentionWorker> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(TimeSpan.FromMinutes(1), clock, stoppingToken);
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await using var scope = scopes.CreateAsyncScope();
                    var removed = await scope.ServiceProvider.GetRequiredService<PurgeAuditTrail>().HandleAsync(ct: stoppingToken);
                    if (removed > 0) log.LogInformation("Purged {Count} audit entries past their retention.", removed);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    log.LogWarning(e, "The audit retention purge failed; it runs again tomorrow.");
                }
                await Task.Delay(TimeSpan.FromDays(1), clock, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }
}
