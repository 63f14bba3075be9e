using Kith.Core.Tags;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Kith.Core.Companies;

internal sealed class CompanyConfiguration : IEntityTypeConfiguration<Company>
{
    public void Configure(EntityTypeBuilder<Company> b)
    {
        b.Property(c => c.Name).HasMaxLength(200);
        b.Property(c => c.ExternalId).HasMaxLength(100);
        b.Property(c => c.Domain).HasMaxLength(253);
        b.Property(c => c.Industry).HasMaxLength(100);
        b.Property(c => c.Phone).HasMaxLength(40);
        b.Property(c => c.Email).HasMaxLength(254);
        b.Property(c => c.Website).HasMaxLength(500);
        b.Property(c => c.City).HasMaxLength(100);
        b.Property(c => c.Address).HasMaxLength(500);
        b.Property(c => c.Version).IsConcurrencyToken();
        b.HasIndex(c => c.ExternalId).IsUnique();
        b.HasIndex(c => c.Domain);
        b.HasIndex(c => c.OwnerId);
        b.HasIndex(c => new { c.UpdatedAt, c.Id }).HasFilter("deleted_at IS NULL").HasDatabaseName("ix_companies_live_updated_at");
        b.HasIndex(c => new { c.CreatedAt, c.Id }).HasFilter("deleted_at IS NULL").HasDatabaseName("ix_companies_live_created_at");
        b.HasIndex(c => new { c.Name, c.Id }).HasFilter("deleted_at IS NULL").HasDatabaseName("ix_companies_live_name");
        b.HasIndex(c => new { c.City, c.Id }).HasFilter("deleted_at IS NULL").HasDatabaseName("ix_companies_live_city");
        b.HasIndex(c => c.DeletedAt).HasFilter("deleted_at IS NOT NULL").HasDatabaseName("ix_companies_deleted");
        b.HasOne(c => c.Owner).WithMany().HasForeignKey(c => c.OwnerId).OnDelete(DeleteBehavior.Restrict);
        b.HasMany(c => c.Tags).WithMany().UsingEntity("company_tags",
            r => r.HasOne(typeof(Tag)).WithMany().HasForeignKey("tag_id").OnDelete(DeleteBehavior.Cascade),
            l => l.HasOne(typeof(Company)).WithMany().HasForeignKey("company_id").OnDelete(DeleteBehavior.Cascade),
            j =>
            {
                j.HasKey("company_id", "tag_id");
                j.HasIndex("tag_id", "company_id");
            });
    }
}
