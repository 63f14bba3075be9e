using Kith.Core.Backups;
using Kith.Core.Infrastructure;

namespace Kith.Backups;

/// <summary>Takes the scheduled backups: looks every minute whether one is due (see <see cref="BackupSchedule"/>).</summary>
internal sealed class BackupWorker(JobLocks locks, IServiceScopeFactory scopes, ILogger<BackupWorker> log, TimeProvider clock) : BackgroundService
{
    /// <summary>Runs on one node at a time when several share a PostgreSQL database.</summary>
    public const string Job = "backups";

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => locks.RunWhileHeldAsync(Job, RunAsync, stoppingToken);

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(1), clock);
        do
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                if (await scope.ServiceProvider.GetRequiredService<BackupSchedule>().RunIfDueAsync(stoppingToken) is { } made)
                    log.LogInformation("Scheduled backup written: {Name} ({Bytes:N0} bytes)", made.Name, made.Bytes);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The failure is recorded as the last backup and shown on /admin/backups; the next is tried at the next interval.
                log.LogError(e, "The scheduled backup failed");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
