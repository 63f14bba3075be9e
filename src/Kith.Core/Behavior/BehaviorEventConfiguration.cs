using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Kith.Core.Behavior;

internal sealed class BehaviorEventConfiguration : IEntityTypeConfiguration<BehaviorEvent>
{
    public void Configure(EntityTypeBuilder<BehaviorEvent> b)
    {
        b.ToTable("behavior_events");
        b.Property(e => e.EventId).HasMaxLength(100);
        b.Property(e => e.Type).HasMaxLength(100);
        b.Property(e => e.Page).HasMaxLength(2000);
        b.HasIndex(e => e.EventId).IsUnique();
        b.HasIndex(e => new { e.CustomerId, e.OccurredAt });
        // Segments over a recent window ("purchased twice in 30 days") read only that window's events of one type.
        b.HasIndex(e => new { e.Type, e.OccurredAt, e.CustomerId });
        b.HasOne(e => e.Customer).WithMany().HasForeignKey(e => e.CustomerId).OnDelete(DeleteBehavior.Cascade);
    }
}
