using Kith.Core.Tags;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Kith.Core.Customers;

internal sealed class CustomerConfiguration : IEntityTypeConfiguration<Customer>
{
    public void Configure(EntityTypeBuilder<Customer> b)
    {
        b.Property(c => c.Name).HasMaxLength(200);
        b.Property(c => c.ExternalId).HasMaxLength(100);
        b.Property(c => c.Email).HasMaxLength(254);
        // Wide enough for a value sealed in place (enc:v1:KEYID:base64); input is still held to 40 and 500 characters.
        b.Property(c => c.Phone).HasMaxLength(200);
        b.Property(c => c.City).HasMaxLength(100);
        b.Property(c => c.Address).HasMaxLength(1000);
        b.Property(c => c.PhoneLookup).HasMaxLength(44);
        b.Property(c => c.AddressLookup).HasMaxLength(44);
        b.Property(c => c.BirthDateLookup).HasMaxLength(44);
        b.Property(c => c.BirthDateSealed).HasMaxLength(200);
        b.HasIndex(c => c.PhoneLookup).HasFilter("phone_lookup IS NOT NULL");
        b.Property(c => c.Source).HasMaxLength(100);
        b.Property(c => c.Version).IsConcurrencyToken();
        b.HasIndex(c => c.ExternalId).IsUnique();
        b.HasIndex(c => c.Email);
        b.HasIndex(c => c.Phone);
        b.HasIndex(c => c.OwnerId);
        b.HasIndex(c => c.CompanyId);
        // Keyset pagination walks (sort key, id) over live records; one partial index per sortable column.
        b.HasIndex(c => new { c.UpdatedAt, c.Id }).HasFilter("deleted_at IS NULL").HasDatabaseName("ix_customers_live_updated_at");
        b.HasIndex(c => new { c.CreatedAt, c.Id }).HasFilter("deleted_at IS NULL").HasDatabaseName("ix_customers_live_created_at");
        b.HasIndex(c => new { c.Name, c.Id }).HasFilter("deleted_at IS NULL").HasDatabaseName("ix_customers_live_name");
        b.HasIndex(c => new { c.City, c.Id }).HasFilter("deleted_at IS NULL").HasDatabaseName("ix_customers_live_city");
        b.HasIndex(c => new { c.Stage, c.Id }).HasFilter("deleted_at IS NULL").HasDatabaseName("ix_customers_live_stage");
        b.HasIndex(c => new { c.SignupDate, c.Id }).HasFilter("deleted_at IS NULL").HasDatabaseName("ix_customers_live_signup_date");
        b.HasIndex(c => new { c.Age, c.Id }).HasFilter("deleted_at IS NULL").HasDatabaseName("ix_customers_live_age");
        // Covers cohort retention's pass over every live customer (owner and cohort month) without reading the rows.
        b.HasIndex(c => new { c.OwnerId, c.SignupDate, c.CreatedAt }).HasFilter("deleted_at IS NULL AND merged_into_id IS NULL").HasDatabaseName("ix_customers_live_cohort");
        b.HasIndex(c => c.MergedIntoId).HasFilter("merged_into_id IS NOT NULL");
        b.HasIndex(c => c.DeletedAt).HasFilter("deleted_at IS NOT NULL").HasDatabaseName("ix_customers_deleted");
        b.HasOne(c => c.Company).WithMany().HasForeignKey(c => c.CompanyId).OnDelete(DeleteBehavior.SetNull);
        b.HasOne(c => c.Owner).WithMany().HasForeignKey(c => c.OwnerId).OnDelete(DeleteBehavior.Restrict);
        b.HasMany(c => c.Tags).WithMany().UsingEntity("customer_tags",
            r => r.HasOne(typeof(Tag)).WithMany().HasForeignKey("tag_id").OnDelete(DeleteBehavior.Cascade),
            l => l.HasOne(typeof(Customer)).WithMany().HasForeignKey("customer_id").OnDelete(DeleteBehavior.Cascade),
            j =>
            {
                j.HasKey("customer_id", "tag_id");
                j.HasIndex("tag_id", "customer_id");
            });
    }
}
