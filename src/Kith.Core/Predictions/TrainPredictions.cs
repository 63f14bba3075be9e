using System.Text.Json;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Core.Purchases;
using Microsoft.EntityFrameworkCore;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Kith.Core.Predictions;

public sealed record PredictionProgress(string Phase, double Fraction);

public sealed record PredictionRun(PredictionModelView Churn, PredictionModelView Value, int Scored);

/// <summary>
/// Trains the churn and value models on the business's own history and scores every customer (ADR-0006):
/// <list type="number">
/// <item>"now" is the present, or the latest activity Kith holds when that is older (an imported history);</item>
/// <item>customers are described as they were one horizon (90 days) before now, and what they did in the horizon
/// since is the outcome: no visit and no purchase is churn; the orders' total is their value;</item>
/// <item>a fifth of them, chosen at random, is held out: the models never see them, and their AUC (churn) and
/// mean absolute error (value) are what the UI shows, beside what a model that knows nothing would score;</item>
/// <item>both models are linear (logistic regression, SDCA regression) on standardised features, so each customer's
/// churn risk splits into the contributions of its features: the top ones are the reasons shown;</item>
/// <item>every customer is then described as of now and scored.</item>
/// </list>
/// </summary>
public sealed class TrainPredictions(KithDb db, TimeProvider clock)
{
    public const int HorizonDays = 90;
    /// <summary>Fewer examples than this (or fewer than 10 of either outcome) train nothing worth showing.</summary>
    public const int MinimumCustomers = 100;
    private const int Chunk = 5_000;

    /// <summary>Trains and scores. <paramref name="by"/> is the user asking (administrators and managers may), or null for the schedule.</summary>
    public async Task<PredictionRun> HandleAsync(AccessScope? by, IProgress<PredictionProgress>? progress, CancellationToken ct)
    {
        if (by is not null && by.Role is not (Role.Admin or Role.Manager))
            throw new Forbidden("Only administrators and managers may train the prediction models.");
        var now = clock.GetUtcNow().UtcDateTime;
        var asOf = await CustomerFeatures.LatestActivityAsync(db, ct) is { } latest && latest < now ? latest.AddSeconds(1) : now;
        var cutoff = asOf.AddDays(-HorizonDays);

        progress?.Report(new("Reading history", 0.05));
        var before = await CustomerFeatures.ReadAsync(db, cutoff, ct);
        var (active, spent) = await CustomerFeatures.OutcomesAsync(db, cutoff, asOf, ct);
        var examples = before.Values.Where(f => f.RecentlyActive).OrderBy(f => f.CustomerId).ToList();
        ct.ThrowIfCancellationRequested();

        progress?.Report(new("Training", 0.35));
        var scaler = Scaler.Fit(examples.Select(f => f.Vector()).ToList());
        var ml = new MLContext(seed: 7);
        var churnRows = examples.Select(f => new ChurnRow { Features = scaler.Apply(f.Vector()), Label = !active.Contains(f.CustomerId) }).ToList();
        var valueRows = examples.Select(f => new ValueRow { Features = scaler.Apply(f.Vector()), Label = (float)spent.GetValueOrDefault(f.CustomerId) }).ToList();
        var churn = TrainChurn(ml, churnRows, asOf, now);
        var value = TrainValue(ml, valueRows, asOf, now);

        progress?.Report(new("Scoring customers", 0.6));
        var current = await CustomerFeatures.ReadAsync(db, asOf, ct);
        var scores = Score(ml, churn, value, scaler, current.Values.OrderBy(f => f.CustomerId).ToList(), now);
        ct.ThrowIfCancellationRequested();

        progress?.Report(new("Saving scores", 0.75));
        await using (var tx = await db.Database.BeginTransactionAsync(ct))
        {
            await db.CustomerScores.ExecuteDeleteAsync(ct);
            var detect = db.ChangeTracker.AutoDetectChangesEnabled;
            db.ChangeTracker.AutoDetectChangesEnabled = false;
            try
            {
                var done = 0;
                foreach (var chunk in scores.Chunk(Chunk))
                {
                    db.CustomerScores.AddRange(chunk);
                    await db.SaveChangesAsync(ct);
                    db.ChangeTracker.Clear();
                    done += chunk.Length;
                    progress?.Report(new("Saving scores", 0.75 + 0.25 * done / Math.Max(1, scores.Count)));
                }
            }
            finally
            {
                db.ChangeTracker.AutoDetectChangesEnabled = detect;
            }
            churn.Model.ScoredCustomers = value.Model.ScoredCustomers = scores.Count;
            db.PredictionModels.AddRange(churn.Model, value.Model);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        progress?.Report(new("Done", 1));
        return new PredictionRun(PredictionModelView.Of(churn.Model), PredictionModelView.Of(value.Model), scores.Count);
    }

    private sealed record Trained<T>(PredictionModel Model, T? Predictor, float[]? Weights) where T : class;

    private static Trained<ITransformer> TrainChurn(MLContext ml, List<ChurnRow> rows, DateTime asOf, DateTime now)
    {
        var model = NewModel("churn", asOf, now);
        var churned = rows.Count(r => r.Label);
        model.Prevalence = rows.Count == 0 ? 0 : (double)churned / rows.Count;
        if (rows.Count < MinimumCustomers || churned < 10 || rows.Count - churned < 10)
        {
            model.Error = $"Not enough history to learn from: {rows.Count:N0} customers active before {asOf.AddDays(-HorizonDays):yyyy-MM-dd}, {churned:N0} of them lapsed since; at least {MinimumCustomers} customers with 10 of each outcome are needed.";
            model.BaselineMetric = 0.5;
            return new(model, null, null);
        }
        var split = ml.Data.TrainTestSplit(ml.Data.LoadFromEnumerable(rows), testFraction: 0.2, seed: 7);
        var trainer = ml.BinaryClassification.Trainers.LbfgsLogisticRegression(new Microsoft.ML.Trainers.LbfgsLogisticRegressionBinaryTrainer.Options { L2Regularization = 0.1f });
        var fitted = trainer.Fit(split.TrainSet);
        var test = fitted.Transform(split.TestSet);
        var metrics = ml.BinaryClassification.Evaluate(test);
        model.Metric = double.IsNaN(metrics.AreaUnderRocCurve) ? 0.5 : metrics.AreaUnderRocCurve;
        model.BaselineMetric = 0.5;
        model.TestRows = ml.Data.CreateEnumerable<ChurnRow>(split.TestSet, reuseRowObject: false).Count();
        model.TrainingRows = rows.Count - model.TestRows;
        var weights = fitted.Model.SubModel.Weights.ToArray();
        return new(model, fitted, weights);
    }

    private static Trained<ITransformer> TrainValue(MLContext ml, List<ValueRow> rows, DateTime asOf, DateTime now)
    {
        var model = NewModel("value", asOf, now);
        model.Prevalence = rows.Count == 0 ? 0 : rows.Average(r => r.Label);
        if (rows.Count < MinimumCustomers || rows.Count(r => r.Label > 0) < 10)
        {
            model.Error = $"Not enough orders to learn from: {rows.Count(r => r.Label > 0):N0} of {rows.Count:N0} recently active customers ordered in the last {HorizonDays} days; at least 10 of {MinimumCustomers} are needed.";
            return new(model, null, null);
        }
        var split = ml.Data.TrainTestSplit(ml.Data.LoadFromEnumerable(rows), testFraction: 0.2, seed: 7);
        var fitted = ml.Regression.Trainers.Sdca(new Microsoft.ML.Trainers.SdcaRegressionTrainer.Options { MaximumNumberOfIterations = 50 }).Fit(split.TrainSet);
        var predicted = ml.Data.CreateEnumerable<ValueScore>(fitted.Transform(split.TestSet), reuseRowObject: false).ToList();
        var trainMean = ml.Data.CreateEnumerable<ValueRow>(split.TrainSet, reuseRowObject: false).Average(r => r.Label);
        model.TestRows = predicted.Count;
        model.TrainingRows = rows.Count - predicted.Count;
        model.Metric = predicted.Count == 0 ? 0 : predicted.Average(p => Math.Abs(Math.Max(0, p.Score) - p.Label));
        model.BaselineMetric = predicted.Count == 0 ? 0 : predicted.Average(p => Math.Abs(trainMean - p.Label));
        return new(model, fitted, null);
    }

    private static PredictionModel NewModel(string kind, DateTime asOf, DateTime now) =>
        new() { Kind = kind, TrainedAt = now, AsOf = asOf, HorizonDays = HorizonDays };

    private static List<CustomerScore> Score(MLContext ml, Trained<ITransformer> churn, Trained<ITransformer> value, Scaler scaler, List<CustomerFeatures> customers, DateTime now)
    {
        var vectors = customers.Select(f => scaler.Apply(f.Vector())).ToList();
        var risks = churn.Predictor is null ? null
            : ml.Data.CreateEnumerable<ChurnScore>(churn.Predictor.Transform(ml.Data.LoadFromEnumerable(vectors.Select(v => new ChurnRow { Features = v }))), reuseRowObject: false)
                .Select(s => (double)s.Probability).ToList();
        var values = value.Predictor is null ? null
            : ml.Data.CreateEnumerable<ValueScore>(value.Predictor.Transform(ml.Data.LoadFromEnumerable(vectors.Select(v => new ValueRow { Features = v }))), reuseRowObject: false)
                .Select(s => Math.Max(0, (double)s.Score)).ToList();
        if (risks is null && values is null) return [];
        var scores = new List<CustomerScore>(customers.Count);
        for (var i = 0; i < customers.Count; i++)
        {
            var reasons = churn.Weights is null ? [] : ScoreReasons.Explain(customers[i], vectors[i], churn.Weights);
            scores.Add(new CustomerScore
            {
                CustomerId = customers[i].CustomerId,
                ChurnRisk = risks is null ? null : Math.Round(risks[i], 4),
                ExpectedValueMicros = values is null ? null : (long)Math.Round(values[i] * Purchase.MicrosPerUnit),
                Reasons = JsonSerializer.Serialize(reasons),
                ComputedAt = now,
            });
        }
        return scores;
    }

    /// <summary>Standardises each feature to mean 0 and deviation 1 on the training customers, so weights compare.</summary>
    internal sealed class Scaler(float[] mean, float[] deviation)
    {
        public static Scaler Fit(IReadOnlyList<float[]> rows)
        {
            var n = CustomerFeatures.Count;
            var mean = new float[n];
            var dev = new float[n];
            if (rows.Count == 0) return new Scaler(mean, Enumerable.Repeat(1f, n).ToArray());
            for (var i = 0; i < n; i++)
            {
                var m = rows.Average(r => (double)r[i]);
                var sd = Math.Sqrt(rows.Average(r => (r[i] - m) * (r[i] - m)));
                mean[i] = (float)m;
                dev[i] = sd < 1e-6 ? 1f : (float)sd;
            }
            return new Scaler(mean, dev);
        }

        public float[] Apply(float[] v)
        {
            var z = new float[v.Length];
            for (var i = 0; i < v.Length; i++) z[i] = (v[i] - mean[i]) / deviation[i];
            return z;
        }
    }

    private sealed class ChurnRow
    {
        [VectorType(CustomerFeatures.Count)] public float[] Features { get; set; } = [];
        public bool Label { get; set; }
    }

    private sealed class ChurnScore
    {
        public float Probability { get; set; }
    }

    private sealed class ValueRow
    {
        [VectorType(CustomerFeatures.Count)] public float[] Features { get; set; } = [];
        public float Label { get; set; }
    }

    private sealed class ValueScore
    {
        public float Label { get; set; }
        public float Score { get; set; }
    }
}
