using Kith.Core.Customers;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Kith.Core.Privacy;

public enum ConsentStatus { Granted, Withdrawn }

/// <summary>The lawful bases of the GDPR (art. 6), which PIPL and most privacy laws mirror.</summary>
public enum LegalBasis { Consent, Contract, LegalObligation, VitalInterest, PublicTask, LegitimateInterest }

/// <summary>Where a consent was given or withdrawn.</summary>
public enum ConsentSource { Form, Import, Api, Ui }

/// <summary>
/// One decision of a person about one purpose (marketing_email, sms, tracking, or an admin-defined purpose). Rows are
/// only ever added: the latest per purpose is the current state and the earlier ones are its history.
/// </summary>
public sealed class Consent
{
    public long Id { get; set; }
    public long CustomerId { get; set; }
    /// <summary>A purpose key: [a-z0-9_], see <see cref="ConsentPurposes"/>.</summary>
    public string Purpose { get; set; } = "";
    public ConsentStatus Status { get; set; }
    public LegalBasis LegalBasis { get; set; }
    public ConsentSource Source { get; set; }
    /// <summary>When the person decided (may be earlier than when it was recorded, e.g. a signed paper form).</summary>
    public DateTime At { get; set; }
    public DateTime RecordedAt { get; set; }
    public ActorKind RecordedByKind { get; set; }
    public long? RecordedByUserId { get; set; }
    public string? Note { get; set; }
}

internal sealed class ConsentConfiguration : IEntityTypeConfiguration<Consent>
{
    public void Configure(EntityTypeBuilder<Consent> b)
    {
        b.ToTable("consents");
        b.Property(c => c.Purpose).HasMaxLength(50);
        b.Property(c => c.Note).HasMaxLength(500);
        b.Property(c => c.LegalBasis).HasMaxLength(30);
        b.HasIndex(c => new { c.CustomerId, c.Purpose, c.At, c.Id });
        b.HasIndex(c => new { c.Purpose, c.CustomerId });
        b.HasOne<Customer>().WithMany().HasForeignKey(c => c.CustomerId).OnDelete(DeleteBehavior.Cascade);
    }
}
