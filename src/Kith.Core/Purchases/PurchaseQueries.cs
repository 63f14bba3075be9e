using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Purchases;

/// <summary>What a customer bought, in totals: count, revenue per currency, first and last purchase.</summary>
public sealed record PurchaseSummary(long Count, IReadOnlyList<CurrencyTotal> Revenue, DateTime? FirstPurchaseAt, DateTime? LastPurchaseAt);

public sealed record CurrencyTotal(string? Currency, decimal Amount);

public sealed record PurchaseItem(long Id, string? OrderId, DateTime OrderedAt, string Product, string? Category, double Quantity,
    decimal? UnitPrice, decimal Amount, string? Currency);

public sealed record PurchasePage(PurchaseSummary Summary, IReadOnlyList<PurchaseItem> Items, string? NextCursor);

/// <summary>A customer's purchases. The customer must be in the caller's reach, else NotFound.</summary>
public sealed class PurchaseQueries(KithDb db)
{
    public const int MaxLimit = 500;

    public async Task<PurchasePage> ForCustomerAsync(AccessScope scope, long customerId, int limit, string? cursor, CancellationToken ct)
    {
        if (!await scope.Visible(db.Customers.AsNoTracking()).AnyAsync(c => c.Id == customerId, ct)) throw new NotFound("Customer");
        if (limit is < 1 or > MaxLimit) throw RuleViolation.Field("limit", $"limit must be between 1 and {MaxLimit}.");
        // Whole units and the micros left, summed apart: two purchases near the largest amount add up past a 64-bit
        // integer of micros (SQLite's SUM fails, PostgreSQL's cast to bigint too), while these stay far from it (that
        // takes a million such purchases), and a decimal holds the exact total.
        var totals = await db.Purchases.AsNoTracking().Where(p => p.CustomerId == customerId)
            .GroupBy(p => p.Currency)
            .Select(g => new
            {
                Currency = g.Key, Count = g.LongCount(), First = g.Min(p => p.OrderedAt), Last = g.Max(p => p.OrderedAt),
                Units = g.Sum(p => p.AmountMicros / Purchase.MicrosPerUnit), Micros = g.Sum(p => p.AmountMicros % Purchase.MicrosPerUnit),
            })
            .ToListAsync(ct);
        var summary = new PurchaseSummary(totals.Sum(t => t.Count),
            totals.OrderBy(t => t.Currency).Select(t => new CurrencyTotal(t.Currency, t.Units + (decimal)t.Micros / Purchase.MicrosPerUnit)).ToList(),
            totals.Count == 0 ? null : totals.Min(t => t.First), totals.Count == 0 ? null : totals.Max(t => t.Last));
        var (rows, next) = await Keyset.PageAsync(db.Purchases.AsNoTracking().Where(p => p.CustomerId == customerId), p => p.OrderedAt, p => p.Id, cursor, limit, ct);
        var items = rows.Select(p => new PurchaseItem(p.Id, p.OrderId, p.OrderedAt, p.Product, p.Category, p.Quantity, p.UnitPrice, p.Amount, p.Currency)).ToList();
        return new PurchasePage(summary, items, next);
    }
}
