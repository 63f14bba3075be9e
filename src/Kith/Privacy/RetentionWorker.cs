using Kith.Core.Privacy;

namespace Kith.Privacy;

/// <summary>Once a day, removes what the retention rules say is past its maximum age (rules with no age keep everything).</summary>
internal sealed class RetentionWorker(IServiceScopeFactory scopes, ILogger<RetentionWorker> log, TimeProvider clock) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromDays(1), clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var result = await scope.ServiceProvider.GetRequiredService<PurgeExpiredData>().RunAsync(dryRun: false, stoppingToken);
                log.LogInformation("Retention purge removed {Counts}.", string.Join(", ", result.Counts.Select(c => $"{c.Value} {c.Key}")));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogWarning(e, "The retention purge failed; it runs again tomorrow.");
            }
        }
    }
}
