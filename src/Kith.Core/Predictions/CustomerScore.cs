namespace Kith.Core.Predictions;

/// <summary>A customer's latest predictions: how likely they are to lapse, what they are expected to spend, and why.</summary>
public sealed class CustomerScore
{
    public long CustomerId { get; set; }
    /// <summary>Null when no churn model could be trained. Probability (0–1) of no purchase and no visit in the next <see cref="PredictionModel.HorizonDays"/> days.</summary>
    public double? ChurnRisk { get; set; }
    /// <summary>Null when no value model could be trained. Expected spending over the next <see cref="PredictionModel.HorizonDays"/> days.</summary>
    public long? ExpectedValueMicros { get; set; }
    /// <summary>The top reasons for the churn risk, as JSON <c>[{"code":"no_visit","a":45,"b":0}]</c>.</summary>
    public string Reasons { get; set; } = "[]";
    public DateTime ComputedAt { get; set; }
}

/// <summary>One trained model and how well it did on customers it was not trained on.</summary>
public sealed class PredictionModel
{
    public long Id { get; set; }
    /// <summary>"churn" or "value".</summary>
    public string Kind { get; set; } = "";
    public DateTime TrainedAt { get; set; }
    /// <summary>The instant the predictions are made from: now, or the latest activity Kith holds if that is older.</summary>
    public DateTime AsOf { get; set; }
    public int HorizonDays { get; set; }
    public int TrainingRows { get; set; }
    public int TestRows { get; set; }
    /// <summary>AUC for churn; mean absolute error (in money) for value.</summary>
    public double Metric { get; set; }
    /// <summary>What a model that knows nothing scores: 0.5 AUC, or the error of always predicting the average.</summary>
    public double BaselineMetric { get; set; }
    /// <summary>Share of churned customers (churn) or average spending (value) in the training data.</summary>
    public double Prevalence { get; set; }
    public int ScoredCustomers { get; set; }
    /// <summary>Why no model could be trained (too little data, one class only), or null.</summary>
    public string? Error { get; set; }
}
