using Kith.Core.Infrastructure;
using Kith.Core.Tasks;

namespace Kith.Tasks;

/// <summary>
/// Sends due task reminders by email once a minute through system mail (<see cref="TaskReminderMail"/>); while
/// system mail is not set up each round is a no-op and reminders show in the app only.
/// </summary>
internal sealed class TaskReminderWorker(JobLocks locks, IServiceScopeFactory scopes, ILogger<TaskReminderWorker> log, TimeProvider clock) : BackgroundService
{
    /// <summary>Runs on one node at a time when several share a PostgreSQL database.</summary>
    public const string Job = "task-reminders";

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => locks.RunWhileHeldAsync(Job, RunAsync, stoppingToken);

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(1), clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                if (scope.ServiceProvider.GetService<ITaskReminderSender>() is null) continue;
                await scope.ServiceProvider.GetRequiredService<SendTaskReminders>().RunAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogWarning(e, "Sending task reminders failed; they are tried again in a minute.");
            }
        }
    }
}
