using Kith.Core.Customers;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Kith.Core.Duplicates;

internal sealed class DuplicatePairConfiguration : IEntityTypeConfiguration<DuplicatePair>
{
    public void Configure(EntityTypeBuilder<DuplicatePair> b)
    {
        b.Property(p => p.Reasons).HasMaxLength(500);
        b.HasIndex(p => new { p.CustomerId, p.OtherCustomerId }).IsUnique();
        b.HasIndex(p => p.OtherCustomerId);
        b.HasIndex(p => new { p.Status, p.Score });
        b.HasOne<Customer>().WithMany().HasForeignKey(p => p.CustomerId).OnDelete(DeleteBehavior.Cascade);
        b.HasOne<Customer>().WithMany().HasForeignKey(p => p.OtherCustomerId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class CustomerMergeConfiguration : IEntityTypeConfiguration<CustomerMerge>
{
    public void Configure(EntityTypeBuilder<CustomerMerge> b)
    {
        b.HasIndex(m => m.SurvivorId);
        b.HasIndex(m => m.MergedId);
        b.HasIndex(m => m.ImportJobId).HasFilter("import_job_id IS NOT NULL");
    }
}
