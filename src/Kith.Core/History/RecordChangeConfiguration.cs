using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Kith.Core.History;

internal sealed class RecordChangeConfiguration : IEntityTypeConfiguration<RecordChange>
{
    public void Configure(EntityTypeBuilder<RecordChange> b)
    {
        b.Property(c => c.EntityType).HasMaxLength(20);
        b.Property(c => c.Field).HasMaxLength(100);
        b.Property(c => c.ActorDetail).HasMaxLength(200);
        b.HasIndex(c => new { c.EntityType, c.EntityId, c.Id });
        // A customer's changes by time, for the timeline's keyset.
        b.HasIndex(c => new { c.EntityType, c.EntityId, c.At, c.Id });
    }
}
