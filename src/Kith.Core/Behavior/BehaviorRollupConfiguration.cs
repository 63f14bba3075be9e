using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Kith.Core.Behavior;

// No foreign keys to customers: the rollup is rebuilt from the events, and a customer removed by an import revert is
// marked stale first, so its rows go at the next catch-up; a key checked on each of ten million inserted rows would not pay.
internal sealed class BehaviorDayConfiguration : IEntityTypeConfiguration<BehaviorDay>
{
    public void Configure(EntityTypeBuilder<BehaviorDay> b)
    {
        b.ToTable("behavior_days");
        b.HasKey(d => new { d.CustomerId, d.Type, d.Day });
        b.Property(d => d.Type).HasMaxLength(100);
    }
}

internal sealed class BehaviorTotalConfiguration : IEntityTypeConfiguration<BehaviorTotal>
{
    public void Configure(EntityTypeBuilder<BehaviorTotal> b)
    {
        b.ToTable("behavior_totals");
        b.HasKey(t => new { t.CustomerId, t.Type });
        b.Property(t => t.Type).HasMaxLength(100);
    }
}

internal sealed class StaleBehaviorConfiguration : IEntityTypeConfiguration<StaleBehavior>
{
    public void Configure(EntityTypeBuilder<StaleBehavior> b)
    {
        b.ToTable("behavior_stale");
        b.HasKey(s => s.CustomerId);
        b.Property(s => s.CustomerId).ValueGeneratedNever();
    }
}
