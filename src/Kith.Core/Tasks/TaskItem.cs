using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Kith.Core.Tasks;

public enum TaskState { Open, Done }

/// <summary>
/// Something a user has to do, often a follow-up of a communication with a customer: due at a time, assigned to a
/// user, with an optional reminder. Completing it records its outcome. ("TaskItem" because Task is taken by .NET.)
/// </summary>
public sealed class TaskItem
{
    public long Id { get; set; }
    public string Title { get; set; } = "";
    public string? Notes { get; set; }
    public DateTime? DueAt { get; set; }
    /// <summary>When the assignee is reminded in the app (and, through <see cref="ITaskReminderSender"/>, by email).</summary>
    public DateTime? RemindAt { get; set; }
    /// <summary>When the reminder was shown or sent; a reminder fires once.</summary>
    public DateTime? RemindedAt { get; set; }
    /// <summary>When the reminder went out by email; null while no sender is configured or it is not yet due.</summary>
    public DateTime? ReminderEmailedAt { get; set; }
    public long AssigneeId { get; set; }
    public long? CustomerId { get; set; }
    public long? CommunicationId { get; set; }
    public TaskState State { get; set; }
    /// <summary>An outcome key (GET /api/v1/outcomes) recorded when the task was completed.</summary>
    public string? Outcome { get; set; }
    public string? OutcomeNote { get; set; }
    public DateTime? CompletedAt { get; set; }
    public long? CompletedByUserId { get; set; }
    /// <summary>Where the task sits on its customer's timeline: when it was completed, else when it is due, else when it was made.</summary>
    public DateTime TimelineAt { get; set; }
    public DateTime CreatedAt { get; set; }
    public long? CreatedByUserId { get; set; }

    public void PlaceOnTimeline() => TimelineAt = CompletedAt ?? DueAt ?? CreatedAt;
}

internal sealed class TaskItemConfiguration : IEntityTypeConfiguration<TaskItem>
{
    public void Configure(EntityTypeBuilder<TaskItem> b)
    {
        b.ToTable("tasks");
        b.Property(t => t.Title).HasMaxLength(300);
        b.Property(t => t.Notes).HasMaxLength(4000);
        b.Property(t => t.Outcome).HasMaxLength(100);
        b.Property(t => t.OutcomeNote).HasMaxLength(4000);
        // "My day": a user's open tasks by due time.
        b.HasIndex(t => new { t.AssigneeId, t.State, t.DueAt });
        // Reminders that are due and not yet shown.
        b.HasIndex(t => new { t.AssigneeId, t.RemindedAt, t.RemindAt });
        b.HasIndex(t => new { t.CustomerId, t.TimelineAt, t.Id });
        b.HasIndex(t => t.CommunicationId);
        b.HasOne<Customers.Customer>().WithMany().HasForeignKey(t => t.CustomerId).OnDelete(DeleteBehavior.Cascade);
        b.HasOne<Communications.Communication>().WithMany().HasForeignKey(t => t.CommunicationId).OnDelete(DeleteBehavior.SetNull);
        b.HasOne<Identity.User>().WithMany().HasForeignKey(t => t.AssigneeId).OnDelete(DeleteBehavior.Restrict);
    }
}
