using Kith.Core.Customers;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Kith.Core.Predictions;

internal sealed class CustomerScoreConfiguration : IEntityTypeConfiguration<CustomerScore>
{
    public void Configure(EntityTypeBuilder<CustomerScore> b)
    {
        b.HasKey(s => s.CustomerId);
        b.Property(s => s.Reasons).HasMaxLength(2000);
        // The customer list's sort keys churnRisk and expectedValue: a page is a range of (score, customer) (ADR-0051).
        b.HasIndex(s => new { s.ChurnRisk, s.CustomerId });
        b.HasIndex(s => new { s.ExpectedValueMicros, s.CustomerId });
        b.HasOne<Customer>().WithOne().HasForeignKey<CustomerScore>(s => s.CustomerId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class PredictionModelConfiguration : IEntityTypeConfiguration<PredictionModel>
{
    public void Configure(EntityTypeBuilder<PredictionModel> b)
    {
        b.Property(m => m.Kind).HasMaxLength(20);
        b.Property(m => m.Error).HasMaxLength(1000);
        b.HasIndex(m => new { m.Kind, m.TrainedAt });
    }
}
