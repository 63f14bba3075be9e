using System.Globalization;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;

namespace Kith.Core.Analytics;

public enum TopKind { Products, Pages }

/// <summary>
/// One product or page. Products: <see cref="Count"/> order lines, <see cref="Quantity"/> units, <see cref="Revenue"/>.
/// Pages: <see cref="Count"/> views (events with that page), Quantity and Revenue zero. <see cref="Customers"/> distinct
/// customers either way.
/// </summary>
public sealed record TopItem(string Name, long Count, long Customers, double Quantity, decimal Revenue);

public sealed record TopResult(TopKind Kind, IReadOnlyList<TopItem> Items, DateTime From, DateTime To, DateTime ComputedAt);

/// <summary>The best-selling products (by revenue) or most visited pages (by views) in a period.</summary>
public sealed class TopItems(KithDb db, TimeProvider clock)
{
    public const int DefaultLimit = 20;
    public const int MaxLimit = 100;
    private readonly AnalyticsSql _sql = new(db);

    public static TopKind ParseKind(string? text) => (text ?? "").Trim().ToLowerInvariant() switch
    {
        "" or "products" => TopKind.Products,
        "pages" => TopKind.Pages,
        _ => throw RuleViolation.Field("kind", $"kind must be products or pages, not '{text}'."),
    };

    public static int ParseLimit(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return DefaultLimit;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n is < 1 or > MaxLimit)
            throw RuleViolation.Field("limit", $"limit must be a whole number from 1 to {MaxLimit}.");
        return n;
    }

    public async Task<TopResult> HandleAsync(AccessScope scope, TopKind kind, int limit, AnalysisPeriod period, CancellationToken ct)
    {
        var limitText = limit.ToString(CultureInfo.InvariantCulture);
        var sql = kind == TopKind.Products
            ? $"SELECT p.product, COUNT(*), COUNT(DISTINCT p.customer_id), SUM(p.quantity), SUM(p.amount_micros) FROM purchases p " +
              $"WHERE p.ordered_at >= @from AND p.ordered_at < @to AND {AnalyticsSql.InReach(scope, "p.customer_id")} " +
              $"GROUP BY p.product ORDER BY 5 DESC, 1 LIMIT {limitText}"
            : $"SELECT e.page, COUNT(*), COUNT(DISTINCT e.customer_id), 0, 0 FROM behavior_events e " +
              $"WHERE e.page IS NOT NULL AND e.occurred_at >= @from AND e.occurred_at < @to AND {AnalyticsSql.InReach(scope, "e.customer_id")} " +
              $"GROUP BY e.page ORDER BY 2 DESC, 1 LIMIT {limitText}";
        var items = await _sql.ReadAsync(sql, period.Parameters(), r => new TopItem(AnalyticsSql.Text(r, 0), AnalyticsSql.Long(r, 1), AnalyticsSql.Long(r, 2),
            r.IsDBNull(3) ? 0 : Convert.ToDouble(r.GetValue(3), CultureInfo.InvariantCulture), Rfm.Money(AnalyticsSql.Long(r, 4))), ct);
        return new TopResult(kind, items, period.From, period.To, clock.GetUtcNow().UtcDateTime);
    }
}
