using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Kith.Core.Communications;

internal sealed class CommunicationConfiguration : IEntityTypeConfiguration<Communication>
{
    public void Configure(EntityTypeBuilder<Communication> b)
    {
        b.Property(c => c.ExternalId).HasMaxLength(100);
        b.Property(c => c.Channel).HasMaxLength(50);
        b.Property(c => c.Subject).HasMaxLength(500);
        b.Property(c => c.Content).HasMaxLength(100_000);
        b.Property(c => c.Outcome).HasMaxLength(100);
        b.HasIndex(c => c.ExternalId).IsUnique();
        b.HasIndex(c => new { c.CustomerId, c.OccurredAt });
        b.HasOne(c => c.Customer).WithMany().HasForeignKey(c => c.CustomerId).OnDelete(DeleteBehavior.Cascade);
    }
}
