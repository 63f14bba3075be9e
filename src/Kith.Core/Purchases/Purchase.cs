using Kith.Core.Customers;

namespace Kith.Core.Purchases;

/// <summary>
/// One order line a customer bought, from the business's shop or billing system. Money is kept as micros
/// (millionths of the currency unit) in a 64-bit integer so that sums are exact on SQLite and PostgreSQL alike.
/// </summary>
public sealed class Purchase
{
    public long Id { get; set; }
    /// <summary>The order's id in the system it came from; unique when present, so a re-run import updates rather than duplicates.</summary>
    public string? OrderId { get; set; }
    public long CustomerId { get; set; }
    public Customer? Customer { get; set; }
    public DateTime OrderedAt { get; set; }
    public string Product { get; set; } = "";
    public string? Category { get; set; }
    public double Quantity { get; set; } = 1;
    public long? UnitPriceMicros { get; set; }
    public long AmountMicros { get; set; }
    /// <summary>ISO 4217 code, or null when the file did not say (the workspace's currency applies).</summary>
    public string? Currency { get; set; }
    /// <summary>The import that created this purchase, so reverting the import removes it.</summary>
    public long? ImportJobId { get; set; }
    public DateTime CreatedAt { get; set; }

    public const long MicrosPerUnit = 1_000_000;
    /// <summary>Amounts are below this in absolute value, so that one in micros fits a 64-bit integer with room to add.</summary>
    public const decimal MaxAmount = 9_000_000_000_000m;
    public decimal Amount => (decimal)AmountMicros / MicrosPerUnit;
    public decimal? UnitPrice => UnitPriceMicros is { } u ? (decimal)u / MicrosPerUnit : null;
}
