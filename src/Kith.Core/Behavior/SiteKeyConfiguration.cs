using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Kith.Core.Behavior;

internal sealed class SiteKeyConfiguration : IEntityTypeConfiguration<SiteKey>
{
    public void Configure(EntityTypeBuilder<SiteKey> b)
    {
        b.ToTable("site_keys");
        b.Property(k => k.Name).HasMaxLength(100);
        b.Property(k => k.Key).HasMaxLength(100);
        b.Property(k => k.AllowedOrigins).HasMaxLength(4000);
        b.HasIndex(k => k.Key).IsUnique();
    }
}
