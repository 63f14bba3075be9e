using Kith.Core.Infrastructure;
using Kith.Core.SensitiveFields;
using Microsoft.EntityFrameworkCore;

namespace Kith.SensitiveFields;

/// <summary>
/// Converts stored values after a field is marked or unmarked sensitive, in the server's background, on one node at
/// a time. It starts when poked (a marking) and at every start, so a conversion a stopped server left half done is
/// finished; <see cref="Current"/> is what the admin page shows as progress.
/// </summary>
public sealed class SensitiveFieldConversion(JobLocks locks, IServiceScopeFactory scopes, ILogger<SensitiveFieldConversion> log) : BackgroundService
{
    public const string Job = "sensitive-fields";
    private static readonly TimeSpan Poll = TimeSpan.FromMinutes(1);
    private readonly SemaphoreSlim _signal = new(0, int.MaxValue);

    public ConversionProgress? Current { get; private set; }

    /// <summary>Raised as the conversion moves, for pages showing it.</summary>
    public event Action? Changed;

    public void Poke() => _signal.Release();

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => locks.RunWhileHeldAsync(Job, RunAsync, stoppingToken);

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<KithDb>();
                if (await db.SensitiveFields.AnyAsync(f => !f.Converted, stoppingToken))
                {
                    // Reported on this thread, so no late report can outlive the run (Progress<T> would post it later).
                    var progress = new Kith.Components.Shared.ShownProgress<ConversionProgress>(p =>
                    {
                        Current = p;
                        Changed?.Invoke();
                    });
                    var result = await scope.ServiceProvider.GetRequiredService<ConvertSensitiveValues>().RunAsync(progress, stoppingToken);
                    log.LogInformation("Sensitive fields converted: {Customers} customers and {History} history rows rewritten.", result.Customers, result.HistoryRows);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                // Stopped between batches: every value still reads right, and the next start finishes the work.
                return;
            }
            catch (Exception e)
            {
                log.LogError(e, "Converting sensitive fields failed; it is tried again on the next marking or start.");
            }
            finally
            {
                Current = null;
                Changed?.Invoke();
            }
            try
            {
                await _signal.WaitAsync(Poll, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
