using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Kith.Core.Purchases;

internal sealed class PurchaseConfiguration : IEntityTypeConfiguration<Purchase>
{
    public void Configure(EntityTypeBuilder<Purchase> b)
    {
        b.Property(p => p.OrderId).HasMaxLength(100);
        b.Property(p => p.Product).HasMaxLength(200);
        b.Property(p => p.Category).HasMaxLength(100);
        b.Property(p => p.Currency).HasMaxLength(3);
        b.HasIndex(p => p.OrderId).IsUnique();
        // A customer's purchases newest first, and their totals, read this index only.
        b.HasIndex(p => new { p.CustomerId, p.OrderedAt });
        b.HasOne(p => p.Customer).WithMany().HasForeignKey(p => p.CustomerId).OnDelete(DeleteBehavior.Cascade);
    }
}
