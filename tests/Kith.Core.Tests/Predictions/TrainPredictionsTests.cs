using Kith.Core.Behavior;
using Kith.Core.CustomFields;
using Kith.Core.Customers;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Core.Listing;
using Kith.Core.Predictions;
using Kith.Core.Purchases;
using Kith.Core.Tests.Customers;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kith.Core.Tests.Predictions;

public sealed class TrainPredictionsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>
    /// 300 customers over 360 days of history ending 10 days before the clock. "Loyal" ones visit and order every few
    /// days to the end; "fading" ones visit less often and go quiet 10 to 60 days before the last 90 days begin. One in
    /// ten of each turns at that point — a loyal one stops, a fading one comes back — so nothing can predict them and
    /// the models cannot be perfect.
    /// </summary>
    private static async Task<(AccessScope Admin, List<long> Loyal, List<long> Fading, DateTime End)> SeedAsync(RecordKit kit)
    {
        var admin = await kit.ScopeAsync(await kit.UserAsync(Role.Admin, "admin"));
        var end = kit.Clock.GetUtcNow().UtcDateTime.AddDays(-10);
        var cutoff = end.AddDays(-TrainPredictions.HorizonDays);
        var rng = new Random(11);
        var loyal = new List<long>();
        var fading = new List<long>();
        for (var i = 0; i < 300; i++)
        {
            var id = (await kit.CreateAsync(admin, new CustomerInput { Name = $"C{i}" })).Id;
            (i % 2 == 0 ? loyal : fading).Add(id);
        }
        await kit.RunAsync(async sp =>
        {
            var db = sp.GetRequiredService<KithDb>();
            var start = end.AddDays(-360);
            void Visit(long id, DateTime at, bool isLoyal)
            {
                db.BehaviorEvents.Add(new BehaviorEvent { CustomerId = id, Type = "access", OccurredAt = at, Page = "/" });
                if (rng.NextDouble() < 0.3)
                    db.Purchases.Add(new Purchase { CustomerId = id, OrderedAt = at.AddMinutes(5), Product = "p", AmountMicros = (isLoyal ? 40 : 15) * Purchase.MicrosPerUnit, CreatedAt = at });
            }
            foreach (var (ids, isLoyal) in new[] { (loyal, true), (fading, false) })
                for (var n = 0; n < ids.Count; n++)
                {
                    var turns = n % 10 == 0;
                    var stop = isLoyal ? (turns ? cutoff.AddDays(-rng.Next(3)) : end) : cutoff.AddDays(-10 - rng.Next(50));
                    for (var day = start.AddDays(rng.NextDouble() * 5); day < stop; day = day.AddDays(isLoyal ? 2 + rng.NextDouble() * 4 : 4 + rng.NextDouble() * 10))
                        Visit(ids[n], day, isLoyal);
                    if (!isLoyal && turns)
                        for (var k = 1; k <= 3; k++) Visit(ids[n], cutoff.AddDays(20 * k), isLoyal);
                }
            await db.SaveChangesAsync(Ct);
        });
        return (admin, loyal, fading, end);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task ModelsLearnWhoLapsesAndWhatTheySpendAndSayWhy(DatabaseProvider provider)
    {
        await using var kit = await RecordKit.StartAsync(provider);
        var (admin, loyal, fading, end) = await SeedAsync(kit);

        var phases = new List<string>();
        var run = await kit.RunAsync(sp => sp.GetRequiredService<TrainPredictions>().HandleAsync(admin, new SyncProgress(p => phases.Add(p.Phase)), Ct));

        Assert.Null(run.Churn.Error);
        Assert.Equal("auc", run.Churn.MetricName);
        Assert.True(run.Churn.Metric > 0.8, $"AUC on held-out customers: {run.Churn.Metric}");
        Assert.True(run.Churn.TestRows is > 30 and < 100, $"{run.Churn.TestRows} held out");
        // The history ends 10 days before the clock: predictions are made as of its last activity, not of today.
        Assert.InRange(run.Churn.AsOf, end.AddDays(-6), end.AddSeconds(1));
        Assert.Null(run.Value.Error);
        Assert.True(run.Value.Metric < run.Value.BaselineMetric, $"value error {run.Value.Metric} vs knowing nothing {run.Value.BaselineMetric}");
        Assert.Equal(300, run.Scored);
        Assert.Equal(["Reading history", "Training", "Scoring customers", "Saving scores", "Done"], phases.Distinct().ToList());

        // Loyal customers who stayed loyal score low; fading ones who stopped score high, with reasons in words.
        var queries = (Func<long, Task<CustomerScoreView?>>)(id => kit.RunAsync(sp => sp.GetRequiredService<PredictionQueries>().ForCustomerAsync(admin, id, Ct)));
        var stayed = (await queries(loyal[1]))!;
        var gone = (await queries(fading[1]))!;
        Assert.True(gone.ChurnRisk > 0.7 && stayed.ChurnRisk < 0.3, $"gone {gone.ChurnRisk}, stayed {stayed.ChurnRisk}");
        Assert.True(gone.ExpectedValue < stayed.ExpectedValue, $"gone {gone.ExpectedValue}, stayed {stayed.ExpectedValue}");
        Assert.NotEmpty(gone.Reasons);
        Assert.Contains(gone.ReasonTexts, t => t.StartsWith("no visit or purchase for ") || t.StartsWith("no purchase for ") || t.Contains("fell from"));

        // The scores are made from behaviour and their reasons quote it: a role from whom behaviour is hidden is refused them.
        var blind = new AccessScope
        {
            UserId = admin.UserId, Role = admin.Role, Policy = admin.Policy, OwnerIds = admin.OwnerIds,
            Fields = new FieldAccess([new FieldRule { Role = admin.Role, Entity = CustomFieldEntity.Customer, Field = "behavior", Restriction = FieldRestriction.Hidden }]),
        };
        await Assert.ThrowsAsync<Forbidden>(() => kit.RunAsync(sp => sp.GetRequiredService<PredictionQueries>().ForCustomerAsync(blind, fading[1], Ct)));
        await Assert.ThrowsAsync<Forbidden>(() => kit.RunAsync(sp => sp.GetRequiredService<PredictionQueries>().AtRiskAsync(blind, 10, Ct)));
        Assert.True(PredictionQueries.ScoresHidden(blind));
        Assert.False(PredictionQueries.ScoresHidden(admin));

        // Scores are fields of the customer filter.
        var risky = await kit.RunAsync(sp => sp.GetRequiredService<CustomerQueries>().ListAsync(admin, new ListRequest(null, "churnRisk ge 0.5", "name", 1000), Ct));
        Assert.Contains(risky.Items, c => c.Id == fading[1]);
        Assert.DoesNotContain(risky.Items, c => c.Id == loyal[1]);
        var atRisk = await kit.RunAsync(sp => sp.GetRequiredService<PredictionQueries>().AtRiskAsync(admin, 10, Ct));
        Assert.Equal(10, atRisk.Count);
        Assert.True(atRisk.Zip(atRisk.Skip(1)).All(p => p.First.ChurnRisk >= p.Second.ChurnRisk));
        var bad = await Assert.ThrowsAsync<RuleViolation>(() => kit.RunAsync(sp => sp.GetRequiredService<CustomerQueries>().ListAsync(admin, new ListRequest(null, "churnRisk ge 70", null), Ct)));
        Assert.Contains("share from 0 to 1", bad.Message);

        // A second run replaces the scores and keeps the history of models.
        await kit.RunAsync(sp => sp.GetRequiredService<TrainPredictions>().HandleAsync(null, null, Ct));
        var agent = await kit.ScopeAsync(await kit.UserAsync(Role.Agent, "agent"));
        await Assert.ThrowsAsync<Forbidden>(() => kit.RunAsync(sp => sp.GetRequiredService<TrainPredictions>().HandleAsync(agent, null, Ct)));
        await using var db = kit.Database.Open();
        Assert.Equal(300, await db.CustomerScores.CountAsync(Ct));
        Assert.Equal(4, await db.PredictionModels.CountAsync(Ct));
    }

    [Fact]
    public async Task WithTooLittleHistoryNothingIsTrainedAndTheModelSaysWhy()
    {
        await using var kit = await RecordKit.StartAsync(DatabaseProvider.Sqlite);
        var admin = await kit.ScopeAsync(await kit.UserAsync(Role.Admin, "admin"));
        await kit.CreateAsync(admin, new CustomerInput { Name = "Only one" });
        var run = await kit.RunAsync(sp => sp.GetRequiredService<TrainPredictions>().HandleAsync(admin, null, Ct));
        Assert.Contains("Not enough history", run.Churn.Error);
        Assert.Contains("Not enough orders", run.Value.Error);
        Assert.Equal(0, run.Scored);
        var models = await kit.RunAsync(sp => sp.GetRequiredService<PredictionQueries>().ModelsAsync(Ct));
        Assert.Equal(2, models.Count);
    }

    /// <summary>Progress reported on the caller's thread, in order (Progress&lt;T&gt; posts to the thread pool).</summary>
    private sealed class SyncProgress(Action<PredictionProgress> report) : IProgress<PredictionProgress>
    {
        public void Report(PredictionProgress value) => report(value);
    }
}
