using System.Text.Json;
using Kith.Core.CustomFields;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Core.Purchases;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Predictions;

/// <summary>A trained model as shown: how well it did on held-out customers, against knowing nothing.</summary>
public sealed record PredictionModelView(
    string Kind, DateTime TrainedAt, DateTime AsOf, int HorizonDays, int TrainingRows, int TestRows,
    double Metric, double BaselineMetric, double Prevalence, int ScoredCustomers, string? Error)
{
    /// <summary>"auc" for churn, "meanAbsoluteError" for value.</summary>
    public string MetricName => Kind == "churn" ? "auc" : "meanAbsoluteError";

    public static PredictionModelView Of(PredictionModel m) =>
        new(m.Kind, m.TrainedAt, m.AsOf, m.HorizonDays, m.TrainingRows, m.TestRows, m.Metric, m.BaselineMetric, m.Prevalence, m.ScoredCustomers, m.Error);
}

/// <summary>A customer's predictions with the reasons in English.</summary>
public sealed record CustomerScoreView(long CustomerId, double? ChurnRisk, decimal? ExpectedValue, IReadOnlyList<ScoreReason> Reasons, IReadOnlyList<string> ReasonTexts, DateTime ComputedAt);

/// <summary>An entry of the "most at risk" list.</summary>
public sealed record AtRiskCustomer(long CustomerId, string Name, double ChurnRisk, decimal? ExpectedValue, IReadOnlyList<ScoreReason> Reasons);

public sealed class PredictionQueries(KithDb db)
{
    /// <summary>The latest churn and value models (null before the first training).</summary>
    public async Task<IReadOnlyList<PredictionModelView>> ModelsAsync(CancellationToken ct)
    {
        var latest = new List<PredictionModelView>();
        foreach (var kind in new[] { "churn", "value" })
            if (await db.PredictionModels.AsNoTracking().Where(m => m.Kind == kind).OrderByDescending(m => m.Id).FirstOrDefaultAsync(ct) is { } m)
                latest.Add(PredictionModelView.Of(m));
        return latest;
    }

    /// <summary>One customer's scores; 404 when out of reach, null when not scored yet.</summary>
    public async Task<CustomerScoreView?> ForCustomerAsync(AccessScope scope, long customerId, CancellationToken ct)
    {
        EnsureScoresShown(scope);
        if (!await scope.Visible(db.Customers.AsNoTracking()).AnyAsync(c => c.Id == customerId, ct)) throw new NotFound("Customer");
        var s = await db.CustomerScores.AsNoTracking().FirstOrDefaultAsync(x => x.CustomerId == customerId, ct);
        if (s is null) return null;
        var reasons = Parse(s.Reasons);
        return new CustomerScoreView(s.CustomerId, s.ChurnRisk, Money(s.ExpectedValueMicros), reasons, reasons.Select(r => ScoreReasons.Text(r)).ToList(), s.ComputedAt);
    }

    /// <summary>The customers in reach most likely to lapse, riskiest first, optionally only those worth at least <paramref name="minValue"/>.</summary>
    public async Task<IReadOnlyList<AtRiskCustomer>> AtRiskAsync(AccessScope scope, int limit, CancellationToken ct)
    {
        EnsureScoresShown(scope);
        if (limit is < 1 or > 1000) throw RuleViolation.Field("limit", "limit must be between 1 and 1000.");
        var rows = await scope.Visible(db.Customers.AsNoTracking())
            .Join(db.CustomerScores.AsNoTracking().Where(s => s.ChurnRisk != null), c => c.Id, s => s.CustomerId, (c, s) => new { c.Id, c.Name, s.ChurnRisk, s.ExpectedValueMicros, s.Reasons })
            .OrderByDescending(x => x.ChurnRisk).ThenBy(x => x.Id).Take(limit).ToListAsync(ct);
        return rows.Select(r => new AtRiskCustomer(r.Id, r.Name, r.ChurnRisk!.Value, Money(r.ExpectedValueMicros), Parse(r.Reasons))).ToList();
    }

    /// <summary>
    /// Whether the caller's role hides customers' behaviour, and with it the scores (<see cref="FieldAccess"/>): they are
    /// made from it, every reason quotes it (days since a visit or a purchase, visits, likes, orders, spend, tenure), and
    /// a churn risk of 0.9 says "stopped visiting" as plainly as the visits would. The list and the filters already
    /// hide <c>churnRisk</c> and <c>expectedValue</c> with it.
    /// </summary>
    public static bool ScoresHidden(AccessScope scope) => scope.Fields.IsHidden(CustomFieldEntity.Customer, "behavior");

    /// <summary>
    /// A 403 for such a role, before anything is read: a customer's scores without the numbers would be empty, and the
    /// "most at risk" list is its order by them.
    /// </summary>
    private static void EnsureScoresShown(AccessScope scope)
    {
        if (ScoresHidden(scope))
            throw new Forbidden("Your role may not see customers' behaviour, so it may not see the churn risk and expected value made from it either.");
    }

    private static decimal? Money(long? micros) => micros is { } m ? Math.Round((decimal)m / Purchase.MicrosPerUnit, 2) : null;

    internal static List<ScoreReason> Parse(string json) => JsonSerializer.Deserialize<List<ScoreReason>>(json) ?? [];
}
