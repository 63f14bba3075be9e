using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Kith.Core.Communications;

internal sealed class CommunicationConfiguration : IEntityTypeConfiguration<Communication>
{
    public void Configure(EntityTypeBuilder<Communication> b)
    {
        b.Property(c => c.ExternalId).HasMaxLength(100);
        b.Property(c => c.Channel).HasMaxLength(50);
        b.Property(c => c.Subject).HasMaxLength(500);
        b.Property(c => c.Content).HasMaxLength(CommunicationInput.MaxContentLength);
        b.Property(c => c.Outcome).HasMaxLength(100);
        b.Property(c => c.IdempotencyKey).HasMaxLength(200);
        b.Property(c => c.RequestHash).HasMaxLength(64);
        b.HasIndex(c => c.ExternalId).IsUnique();
        // The timeline's keyset: a customer's communications newest first, ties broken by id.
        b.HasIndex(c => new { c.CustomerId, c.OccurredAt, c.Id });
        b.HasIndex(c => new { c.CreatedByUserId, c.IdempotencyKey }).IsUnique();
        b.HasOne(c => c.Customer).WithMany().HasForeignKey(c => c.CustomerId).OnDelete(DeleteBehavior.Cascade);
        b.HasMany(c => c.Participants).WithOne().HasForeignKey(p => p.CommunicationId).OnDelete(DeleteBehavior.Cascade);
        b.HasMany(c => c.Attachments).WithOne().HasForeignKey(a => a.CommunicationId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class CommunicationParticipantConfiguration : IEntityTypeConfiguration<CommunicationParticipant>
{
    public void Configure(EntityTypeBuilder<CommunicationParticipant> b)
    {
        b.HasIndex(p => new { p.CommunicationId, p.UserId });
        // A customer who took part in a communication filed under another customer sees it on their timeline too.
        b.HasIndex(p => new { p.CustomerId, p.CommunicationId });
    }
}

internal sealed class CommunicationAttachmentConfiguration : IEntityTypeConfiguration<CommunicationAttachment>
{
    public void Configure(EntityTypeBuilder<CommunicationAttachment> b)
    {
        b.Property(a => a.FileName).HasMaxLength(255);
        b.Property(a => a.StoredName).HasMaxLength(64);
        b.HasIndex(a => a.CommunicationId);
    }
}
