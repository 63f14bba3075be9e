using Kith.Core.Communications;
using Kith.Core.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Kith.Core.Mail;

internal sealed class MailboxConfiguration : IEntityTypeConfiguration<Mailbox>
{
    public void Configure(EntityTypeBuilder<Mailbox> b)
    {
        b.Property(m => m.Name).HasMaxLength(200);
        b.Property(m => m.Address).HasMaxLength(254);
        b.Property(m => m.ImapHost).HasMaxLength(253);
        b.Property(m => m.ImapUser).HasMaxLength(254);
        b.Property(m => m.SmtpHost).HasMaxLength(253);
        b.Property(m => m.SmtpUser).HasMaxLength(254);
        b.Property(m => m.PasswordSecret).HasMaxLength(2000);
        b.HasIndex(m => m.OwnerId);
        b.HasOne(m => m.Owner).WithMany().HasForeignKey(m => m.OwnerId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class MailboxFolderConfiguration : IEntityTypeConfiguration<MailboxFolder>
{
    public void Configure(EntityTypeBuilder<MailboxFolder> b)
    {
        b.Property(f => f.Name).HasMaxLength(500);
        b.HasIndex(f => new { f.MailboxId, f.Name }).IsUnique();
        b.HasOne<Mailbox>().WithMany().HasForeignKey(f => f.MailboxId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class EmailMessageConfiguration : IEntityTypeConfiguration<EmailMessage>
{
    public void Configure(EntityTypeBuilder<EmailMessage> b)
    {
        b.Property(m => m.MessageId).HasMaxLength(998);
        b.Property(m => m.Folder).HasMaxLength(500);
        b.Property(m => m.ThreadKey).HasMaxLength(998);
        b.Property(m => m.InReplyTo).HasMaxLength(998);
        b.Property(m => m.References).HasMaxLength(8000);
        b.Property(m => m.FromAddress).HasMaxLength(254);
        b.Property(m => m.FromName).HasMaxLength(300);
        b.Property(m => m.ToAddresses).HasMaxLength(8000);
        b.Property(m => m.CcAddresses).HasMaxLength(8000);
        b.Property(m => m.Subject).HasMaxLength(500);
        b.Property(m => m.HtmlBody).HasMaxLength(2_000_000);
        b.HasIndex(m => m.MessageId).IsUnique();
        b.HasIndex(m => m.ThreadKey);
        b.HasIndex(m => m.MailboxId);
        b.HasOne<Mailbox>().WithMany().HasForeignKey(m => m.MailboxId).OnDelete(DeleteBehavior.SetNull);
        b.HasOne<User>().WithMany().HasForeignKey(m => m.OwnerId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class EmailParticipantConfiguration : IEntityTypeConfiguration<EmailParticipant>
{
    public void Configure(EntityTypeBuilder<EmailParticipant> b)
    {
        b.HasKey(p => new { p.EmailMessageId, p.UserId });
        b.HasIndex(p => p.UserId);
        b.HasOne<EmailMessage>().WithMany().HasForeignKey(p => p.EmailMessageId).OnDelete(DeleteBehavior.Cascade);
        b.HasOne<User>().WithMany().HasForeignKey(p => p.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class EmailLinkConfiguration : IEntityTypeConfiguration<EmailLink>
{
    public void Configure(EntityTypeBuilder<EmailLink> b)
    {
        b.HasKey(l => l.CommunicationId);
        b.HasIndex(l => new { l.EmailMessageId, l.CustomerId }).IsUnique();
        b.HasIndex(l => l.CustomerId);
        b.HasOne<Communication>().WithMany().HasForeignKey(l => l.CommunicationId).OnDelete(DeleteBehavior.Cascade);
        b.HasOne<EmailMessage>().WithMany().HasForeignKey(l => l.EmailMessageId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class MailSyncRunConfiguration : IEntityTypeConfiguration<MailSyncRun>
{
    public void Configure(EntityTypeBuilder<MailSyncRun> b)
    {
        b.Property(r => r.Trigger).HasMaxLength(20);
        b.Property(r => r.ErrorMessage).HasMaxLength(2000);
        b.HasIndex(r => new { r.MailboxId, r.StartedAt });
        b.HasOne<Mailbox>().WithMany().HasForeignKey(r => r.MailboxId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class MailTemplateConfiguration : IEntityTypeConfiguration<MailTemplate>
{
    public void Configure(EntityTypeBuilder<MailTemplate> b)
    {
        b.Property(t => t.Name).HasMaxLength(200);
        b.Property(t => t.Language).HasMaxLength(10);
        b.Property(t => t.Subject).HasMaxLength(500);
        b.Property(t => t.Body).HasMaxLength(100_000);
        b.HasIndex(t => t.Name).IsUnique();
    }
}
