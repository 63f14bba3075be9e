using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Kith.Core.Importing;

internal sealed class ImportJobConfiguration : IEntityTypeConfiguration<ImportJob>
{
    public void Configure(EntityTypeBuilder<ImportJob> b)
    {
        b.Property(j => j.FileName).HasMaxLength(260);
        b.Property(j => j.StoredPath).HasMaxLength(1000);
        b.Property(j => j.Error).HasMaxLength(2000);
        b.HasIndex(j => new { j.Status, j.Id });
        b.HasIndex(j => j.CreatedAt);
    }
}

internal sealed class ImportRejectionConfiguration : IEntityTypeConfiguration<ImportRejection>
{
    public void Configure(EntityTypeBuilder<ImportRejection> b)
    {
        b.Property(r => r.Column).HasMaxLength(200);
        b.Property(r => r.Message).HasMaxLength(1000);
        b.HasIndex(r => new { r.ImportJobId, r.Line });
        b.HasOne<ImportJob>().WithMany().HasForeignKey(r => r.ImportJobId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ImportChangeConfiguration : IEntityTypeConfiguration<ImportChange>
{
    public void Configure(EntityTypeBuilder<ImportChange> b)
    {
        b.Property(c => c.EntityType).HasMaxLength(20);
        b.HasIndex(c => new { c.ImportJobId, c.EntityType, c.EntityId });
        b.HasOne<ImportJob>().WithMany().HasForeignKey(c => c.ImportJobId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ImportTemplateConfiguration : IEntityTypeConfiguration<ImportTemplate>
{
    public void Configure(EntityTypeBuilder<ImportTemplate> b)
    {
        b.Property(t => t.Name).HasMaxLength(100);
        b.HasIndex(t => new { t.Kind, t.Name }).IsUnique();
    }
}
