using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Kith.Core.Tags;

internal sealed class TagConfiguration : IEntityTypeConfiguration<Tag>
{
    public void Configure(EntityTypeBuilder<Tag> b)
    {
        b.Property(t => t.Name).HasMaxLength(50);
        b.Property(t => t.NormalizedName).HasMaxLength(50);
        b.HasIndex(t => t.NormalizedName).IsUnique();
    }
}
