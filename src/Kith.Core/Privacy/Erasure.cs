using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Kith.Core.Privacy;

/// <summary>
/// What is left of an erased person: a keyed one-way hash (HMAC-SHA256, key outside the database) of one of their
/// identifiers, so a form, the API or an import cannot silently create them again. Nothing here reads back to a value.
/// </summary>
public sealed class ErasedPerson
{
    public long Id { get; set; }
    /// <summary>email, phone or externalId.</summary>
    public string Kind { get; set; } = "";
    /// <summary>Lower-case hex of HMAC-SHA256(key, kind + ":" + normalised value).</summary>
    public string Hash { get; set; } = "";
    public long ErasureId { get; set; }
    public DateTime ErasedAt { get; set; }
}

/// <summary>
/// That an erasure happened, without anything about the person: who, when, why (a user or the retention rule), and how
/// many rows of each kind went. Kept apart from the record history, which holds personal data and is itself erased.
/// </summary>
public sealed class Erasure
{
    public long Id { get; set; }
    public DateTime ErasedAt { get; set; }
    public long? ErasedByUserId { get; set; }
    /// <summary>"user", "api" or "retention".</summary>
    public string Reason { get; set; } = "";
    /// <summary>Rows removed per kind, as a JSON object.</summary>
    public string Counts { get; set; } = "{}";
    public int Files { get; set; }
    /// <summary>How the free space was scrubbed and how long it took, e.g. "sqlite: secure_delete, checkpoint(truncate), vacuum 412 ms".</summary>
    public string? Scrub { get; set; }
}

internal sealed class ErasedPersonConfiguration : IEntityTypeConfiguration<ErasedPerson>
{
    public void Configure(EntityTypeBuilder<ErasedPerson> b)
    {
        b.ToTable("erased_people");
        b.Property(e => e.Kind).HasMaxLength(20);
        b.Property(e => e.Hash).HasMaxLength(64);
        b.HasIndex(e => new { e.Kind, e.Hash }).IsUnique();
        b.HasOne<Erasure>().WithMany().HasForeignKey(e => e.ErasureId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ErasureConfiguration : IEntityTypeConfiguration<Erasure>
{
    public void Configure(EntityTypeBuilder<Erasure> b)
    {
        b.ToTable("erasures");
        b.Property(e => e.Reason).HasMaxLength(20);
        b.Property(e => e.Scrub).HasMaxLength(500);
        b.HasIndex(e => e.ErasedAt);
    }
}
