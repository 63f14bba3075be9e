using Kith.Core.Infrastructure;
using Kith.Core.Predictions;

namespace Kith.Predictions;

/// <summary>Retrains the models and rescores every customer once a day, so scores follow what customers do.</summary>
internal sealed class PredictionWorker(JobLocks locks, IServiceScopeFactory scopes, ILogger<PredictionWorker> log) : BackgroundService
{
    public static readonly TimeSpan Every = TimeSpan.FromDays(1);
    /// <summary>Not at start-up: a server just started has better things to do first.</summary>
    private static readonly TimeSpan FirstAfter = TimeSpan.FromMinutes(30);

    /// <summary>Runs on one node at a time when several share a PostgreSQL database.</summary>
    public const string Job = "predictions";

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => locks.RunWhileHeldAsync(Job, RunAsync, stoppingToken);

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(FirstAfter, stoppingToken);
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await using var scope = scopes.CreateAsyncScope();
                    var run = await scope.ServiceProvider.GetRequiredService<TrainPredictions>().HandleAsync(null, null, stoppingToken);
                    log.LogInformation("Predictions trained: churn AUC {Auc:0.000}, value error {Mae:0.00}, {Scored} customers scored",
                        run.Churn.Metric, run.Value.Metric, run.Scored);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    log.LogError(e, "Training the prediction models failed");
                }
                await Task.Delay(Every, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
