using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Kith.Core.Behavior;

internal sealed class PendingEventConfiguration : IEntityTypeConfiguration<PendingEvent>
{
    public void Configure(EntityTypeBuilder<PendingEvent> b)
    {
        b.ToTable("pending_events");
        b.Property(e => e.EventId).HasMaxLength(100);
        b.Property(e => e.ReferenceKind).HasMaxLength(20);
        b.Property(e => e.ReferenceValue).HasMaxLength(320);
        b.Property(e => e.Type).HasMaxLength(100);
        b.Property(e => e.Page).HasMaxLength(2000);
        b.Property(e => e.Source).HasMaxLength(20);
        b.HasIndex(e => e.EventId).IsUnique();
        b.HasIndex(e => new { e.ReferenceKind, e.ReferenceValue });
        b.HasIndex(e => e.ImportJobId).HasFilter("import_job_id IS NOT NULL");
    }
}
