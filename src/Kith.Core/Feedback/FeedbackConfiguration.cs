using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Kith.Core.Feedback;

internal sealed class FeedbackEntryConfiguration : IEntityTypeConfiguration<FeedbackEntry>
{
    public void Configure(EntityTypeBuilder<FeedbackEntry> b)
    {
        b.ToTable("feedback");
        b.Property(f => f.Comment).HasMaxLength(RecordFeedback.MaxComment);
        // The customer's timeline and their list, newest first.
        b.HasIndex(f => new { f.CustomerId, f.AnsweredAt, f.Id });
        // Results over a period, and per agent.
        b.HasIndex(f => new { f.AnsweredAt, f.Id });
        b.HasIndex(f => new { f.AgentId, f.AnsweredAt });
        b.HasIndex(f => f.CommunicationId);
        b.HasIndex(f => f.SurveyId).IsUnique();
        b.HasOne<Customers.Customer>().WithMany().HasForeignKey(f => f.CustomerId).OnDelete(DeleteBehavior.Cascade);
        b.HasOne<Communications.Communication>().WithMany().HasForeignKey(f => f.CommunicationId).OnDelete(DeleteBehavior.SetNull);
        b.HasOne<Identity.User>().WithMany().HasForeignKey(f => f.AgentId).OnDelete(DeleteBehavior.SetNull);
    }
}

internal sealed class FeedbackSurveyConfiguration : IEntityTypeConfiguration<FeedbackSurvey>
{
    public void Configure(EntityTypeBuilder<FeedbackSurvey> b)
    {
        b.ToTable("feedback_surveys");
        b.Property(s => s.TokenHash).HasMaxLength(64);
        b.Property(s => s.Language).HasMaxLength(10);
        b.Property(s => s.SentTo).HasMaxLength(254);
        b.HasIndex(s => s.TokenHash).IsUnique();
        b.HasIndex(s => new { s.CustomerId, s.SentAt });
        b.HasOne<Customers.Customer>().WithMany().HasForeignKey(s => s.CustomerId).OnDelete(DeleteBehavior.Cascade);
        b.HasOne<Communications.Communication>().WithMany().HasForeignKey(s => s.CommunicationId).OnDelete(DeleteBehavior.SetNull);
        b.HasOne<Identity.User>().WithMany().HasForeignKey(s => s.AgentId).OnDelete(DeleteBehavior.SetNull);
    }
}
