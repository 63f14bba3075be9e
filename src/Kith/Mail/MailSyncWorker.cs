using Kith.Core.Infrastructure;
using Kith.Core.Mail;

namespace Kith.Mail;

/// <summary>Wakes the mail sync worker when someone presses "Sync now", so it starts at once rather than at the next poll.</summary>
public sealed class MailSyncSignal
{
    private readonly SemaphoreSlim _signal = new(0, int.MaxValue);

    public void Poke() => _signal.Release();

    public Task WaitAsync(TimeSpan timeout, CancellationToken ct) => _signal.WaitAsync(timeout, ct);
}

/// <summary>
/// Syncs every mailbox every few minutes, and at once when asked, one mailbox at a time so that a large mailbox
/// does not starve the server. A failing mailbox records its error in its ledger and the worker goes on.
/// </summary>
internal sealed class MailSyncWorker(JobLocks locks, IServiceScopeFactory scopes, MailSyncSignal signal, ILogger<MailSyncWorker> log) : BackgroundService
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(30);

    /// <summary>Runs on one node at a time when several share a PostgreSQL database.</summary>
    public const string Job = "mail-sync";

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => locks.RunWhileHeldAsync(Job, RunAsync, stoppingToken);

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                List<long> due;
                await using (var scope = scopes.CreateAsyncScope())
                    due = await scope.ServiceProvider.GetRequiredService<MailSyncQueue>().DueAsync(stoppingToken);
                foreach (var id in due)
                {
                    await using var scope = scopes.CreateAsyncScope();
                    var trigger = "schedule";
                    await scope.ServiceProvider.GetRequiredService<SyncMailbox>().HandleAsync(id, trigger, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                log.LogError(e, "The mail sync worker failed; it retries at the next poll");
            }
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
