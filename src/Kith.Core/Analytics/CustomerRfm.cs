using Kith.Core.Customers;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Kith.Core.Analytics;

/// <summary>
/// A customer's latest RFM result: quintile scores 1–5 for recency, frequency and monetary value over the period the
/// last computation covered, and the named segment they give. One row per customer who bought in that period; a
/// recomputation replaces the whole table, so segments, list filters and predictions read one consistent run.
/// </summary>
public sealed class CustomerRfm
{
    public long CustomerId { get; set; }
    public int R { get; set; }
    public int F { get; set; }
    public int M { get; set; }
    /// <summary>A key of <see cref="RfmSegments"/>: champions, loyal, at_risk, …</summary>
    public string Segment { get; set; } = "";
    /// <summary>Whole days from the last purchase to the end of the period.</summary>
    public int RecencyDays { get; set; }
    public long Frequency { get; set; }
    /// <summary>Revenue in the period, in micros of the workspace currency (amounts are summed whatever their currency).</summary>
    public long MonetaryMicros { get; set; }
    public DateTime PeriodFrom { get; set; }
    public DateTime PeriodTo { get; set; }
    public DateTime ComputedAt { get; set; }
}

internal sealed class CustomerRfmConfiguration : IEntityTypeConfiguration<CustomerRfm>
{
    public void Configure(EntityTypeBuilder<CustomerRfm> b)
    {
        b.ToTable("customer_rfm");
        b.HasKey(r => r.CustomerId);
        b.Property(r => r.CustomerId).ValueGeneratedNever();
        b.Property(r => r.Segment).HasMaxLength(30);
        b.HasIndex(r => r.Segment);
        b.HasOne<Customer>().WithMany().HasForeignKey(r => r.CustomerId).OnDelete(DeleteBehavior.Cascade);
    }
}
