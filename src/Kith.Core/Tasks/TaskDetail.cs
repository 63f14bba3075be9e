namespace Kith.Core.Tasks;

/// <summary>One task as the API and the pages show it.</summary>
public sealed record TaskDetail(
    long Id, string Title, string? Notes, DateTime? DueAt, DateTime? RemindAt, long AssigneeId, string AssigneeName,
    long? CustomerId, string? CustomerName, long? CommunicationId, TaskState State, string? Outcome, string? OutcomeNote,
    DateTime? CompletedAt, DateTime CreatedAt, long? CreatedByUserId);

/// <summary>A user's day: open tasks past due, due today, and due later (or undated).</summary>
public sealed record MyDay(IReadOnlyList<TaskDetail> Overdue, IReadOnlyList<TaskDetail> Today, IReadOnlyList<TaskDetail> Upcoming);
