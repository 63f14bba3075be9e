using Kith.Core.CustomFields;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Kith.Core.SensitiveFields;

/// <summary>
/// A field an admin marked sensitive, or unmarked while its values are still being opened again. While a row exists
/// the field takes equality filters only (through its lookup) and cannot be sorted; <see cref="Converted"/> says the
/// stored values have caught up with <see cref="Sensitive"/>. Once an unmarked field is converted its row goes.
/// </summary>
public sealed class SensitiveField
{
    public long Id { get; set; }
    public CustomFieldEntity Entity { get; set; }
    /// <summary>phone, birthDate, address, or cf.key for a custom text field.</summary>
    public string Field { get; set; } = "";
    public bool Sensitive { get; set; }
    public bool Converted { get; set; }
    public DateTime ChangedAt { get; set; }
    public long? ChangedByUserId { get; set; }
}

internal sealed class SensitiveFieldConfiguration : IEntityTypeConfiguration<SensitiveField>
{
    public void Configure(EntityTypeBuilder<SensitiveField> b)
    {
        b.Property(f => f.Field).HasMaxLength(80);
        b.HasIndex(f => new { f.Entity, f.Field }).IsUnique();
    }
}
