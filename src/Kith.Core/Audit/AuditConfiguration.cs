using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Kith.Core.Audit;

internal sealed class AuditEntryConfiguration : IEntityTypeConfiguration<AuditEntry>
{
    public void Configure(EntityTypeBuilder<AuditEntry> b)
    {
        b.Property(e => e.ActorEmail).HasMaxLength(254);
        b.Property(e => e.ClientAddress).HasMaxLength(64);
        b.Property(e => e.Action).HasMaxLength(50);
        b.Property(e => e.TargetType).HasMaxLength(30);
        b.Property(e => e.TargetId).HasMaxLength(64);
        b.Property(e => e.PreviousHash).HasMaxLength(64);
        b.Property(e => e.Hash).HasMaxLength(64);
        b.HasIndex(e => e.Sequence).IsUnique();
        // The admin's filters, each read newest first.
        b.HasIndex(e => new { e.Action, e.Sequence });
        b.HasIndex(e => new { e.ActorUserId, e.Sequence });
        b.HasIndex(e => new { e.TargetType, e.TargetId, e.Sequence });
        b.HasIndex(e => e.At);
    }
}

internal sealed class AuditChainConfiguration : IEntityTypeConfiguration<AuditChain>
{
    public void Configure(EntityTypeBuilder<AuditChain> b)
    {
        b.Property(c => c.Id).ValueGeneratedNever();
        b.Property(c => c.AnchorHash).HasMaxLength(64);
        b.Property(c => c.HeadHash).HasMaxLength(64);
        // The row exists from the first migration, so every writer can lock it; there is never a second.
        b.HasData(new AuditChain { Id = AuditChain.TheId });
    }
}

internal sealed class AuditSubjectKeyConfiguration : IEntityTypeConfiguration<AuditSubjectKey>
{
    public void Configure(EntityTypeBuilder<AuditSubjectKey> b)
    {
        b.ToTable("audit_subject_keys");
        b.HasKey(k => new { k.TargetType, k.TargetId });
        b.Property(k => k.TargetType).HasMaxLength(30);
        b.Property(k => k.TargetId).HasMaxLength(64);
    }
}
