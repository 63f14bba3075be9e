using System.Globalization;

namespace Kith.Core.Predictions;

/// <summary>One reason for a churn risk: a code and up to two numbers, turned into words in the reader's language.</summary>
public sealed record ScoreReason(string Code, double A, double B);

/// <summary>
/// Why a customer's churn risk is what it is. The churn model is linear on standardised features, so the risk's
/// log-odds are a sum of weight × feature; features that belong together (visits now and before) are added up, and
/// the groups that push the risk up most, and by a noticeable amount, are the reasons.
/// </summary>
public static class ScoreReasons
{
    private const int Top = 3;
    private const double Noticeable = 0.15;

    private static readonly (string Code, int[] Features)[] s_groups =
    [
        ("no_activity", [0]), ("no_purchase", [1]), ("visits", [2, 3]), ("likes", [4]),
        ("orders", [5, 6]), ("purchase_events", [7, 8]), ("spend", [9]), ("tenure", [10]),
    ];

    internal static List<ScoreReason> Explain(CustomerFeatures f, float[] standardised, float[] weights)
    {
        var ranked = s_groups
            .Select(g => (g.Code, Push: g.Features.Sum(i => (double)weights[i] * standardised[i])))
            .Where(g => g.Push > Noticeable)
            .OrderByDescending(g => g.Push)
            .Take(Top);
        return ranked.Select(g => g.Code switch
        {
            "no_activity" => new ScoreReason("no_activity", Math.Round(f.DaysSinceLastSeen), 0),
            "no_purchase" => new ScoreReason("no_purchase", Math.Round(f.DaysSinceLastPurchase), 0),
            "visits" => new ScoreReason(f.VisitsPrev30 > f.Visits30 ? "visits_fell" : "few_visits", f.VisitsPrev30, f.Visits30),
            "likes" => new ScoreReason("few_likes", f.Likes30, 0),
            "orders" => new ScoreReason(f.OrdersPrev90 > f.Orders90 ? "orders_fell" : "few_orders", f.OrdersPrev90, f.Orders90),
            "purchase_events" => new ScoreReason(f.PurchaseEventsPrev90 > f.PurchaseEvents90 ? "purchases_fell" : "few_purchases", f.PurchaseEventsPrev90, f.PurchaseEvents90),
            "spend" => new ScoreReason("low_spend", Math.Round(f.Revenue90, 2), 0),
            _ => new ScoreReason("new_customer", Math.Round(f.TenureDays), 0),
        }).ToList();
    }

    /// <summary>The reason in English; the UI translates the same templates (Predictions.zh-Hans.json).</summary>
    public static string Text(ScoreReason r, Func<string, object[], string>? localize = null)
    {
        var (template, args) = Template(r);
        return localize is null ? string.Format(CultureInfo.InvariantCulture, template, args) : localize(template, args);
    }

    public static (string Template, object[] Args) Template(ScoreReason r)
    {
        string N(double x) => x.ToString("0.##", CultureInfo.InvariantCulture);
        return r.Code switch
        {
            "no_activity" => ("no visit or purchase for {0} days", [N(r.A)]),
            "no_purchase" => ("no purchase for {0} days", [N(r.A)]),
            "visits_fell" => ("visits fell from {0} to {1} a month", [N(r.A), N(r.B)]),
            "few_visits" => ("only {0} visits in the last 30 days", [N(r.B)]),
            "few_likes" => ("only {0} likes in the last 30 days", [N(r.A)]),
            "orders_fell" => ("orders fell from {0} to {1} per 90 days", [N(r.A), N(r.B)]),
            "few_orders" => ("only {0} orders in the last 90 days", [N(r.B)]),
            "purchases_fell" => ("purchases fell from {0} to {1} per 90 days", [N(r.A), N(r.B)]),
            "few_purchases" => ("only {0} purchases in the last 90 days", [N(r.B)]),
            "low_spend" => ("spent only {0} in the last 90 days", [N(r.A)]),
            "new_customer" => ("a customer for only {0} days", [N(r.A)]),
            _ => (r.Code, []),
        };
    }
}
