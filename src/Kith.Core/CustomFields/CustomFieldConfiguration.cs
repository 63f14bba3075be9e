using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Kith.Core.CustomFields;

internal sealed class CustomFieldConfiguration : IEntityTypeConfiguration<CustomFieldDefinition>
{
    public void Configure(EntityTypeBuilder<CustomFieldDefinition> b)
    {
        b.Property(f => f.Key).HasMaxLength(50);
        b.Property(f => f.Label).HasMaxLength(100);
        b.HasIndex(f => new { f.Entity, f.Key }).IsUnique();
    }
}
