using Kith.Core.Importing;
using Kith.Core.Infrastructure;
using Kith.Core.Purchases;

namespace Kith.Core.Predictions;

/// <summary>
/// A customer's latest predictions as the list and the export show them (the sort keys churnRisk and expectedValue);
/// either is null when its model could not be trained.
/// </summary>
public sealed record ScoreColumns(double? ChurnRisk, decimal? ExpectedValue)
{
    /// <summary>The scores of these customers, by id; customers not scored yet are left out.</summary>
    public static async Task<Dictionary<long, ScoreColumns>> ReadAsync(KithDb db, IReadOnlyCollection<long> ids, CancellationToken ct)
    {
        var found = new Dictionary<long, ScoreColumns>();
        foreach (var chunk in ids.Chunk(500))
        {
            var names = string.Join(", ", chunk.Select((_, i) => Sql.P(db, i)));
            await Sql.ReadAsync(db, $"SELECT customer_id, churn_risk, expected_value_micros FROM customer_scores WHERE customer_id IN ({names})", r =>
                found[r.GetInt64(0)] = new ScoreColumns(r.IsDBNull(1) ? null : r.GetDouble(1),
                    r.IsDBNull(2) ? null : Math.Round((decimal)r.GetInt64(2) / Purchase.MicrosPerUnit, 2)),
                ct, [.. chunk.Cast<object?>()]);
        }
        return found;
    }
}
