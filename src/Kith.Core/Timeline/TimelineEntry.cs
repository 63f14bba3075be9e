using Kith.Core.Communications;

namespace Kith.Core.Timeline;

/// <summary>
/// One line of a customer's timeline. <see cref="Type"/> says which fields are filled:
/// communication (channel, direction, subject as title, content as text, outcome, duration),
/// purchase (product as title, amount, currency, quantity), behavior (one per day and event type: title is the type,
/// count how many; occurredAt is the day's start, UTC), change (field, oldValue, newValue, action, actor),
/// task (title, notes as text, dueAt, state, outcome, completedAt),
/// case (number, subject as title, state is its status, priority, dueAt is its SLA due time, completedAt when it was resolved).
/// feedback (title csat or nps, score, comment as text, action agent or survey for how it came in, actor the agent it rates).
/// </summary>
public sealed record TimelineEntry
{
    public required string Id { get; init; }
    public required string Type { get; init; }
    public required DateTime OccurredAt { get; init; }
    public long? RecordId { get; init; }
    public string? Title { get; init; }
    public string? Text { get; init; }
    public ContentFormat? ContentFormat { get; init; }
    public string? Channel { get; init; }
    public Direction? Direction { get; init; }
    public string? Outcome { get; init; }
    public int? DurationSeconds { get; init; }
    public decimal? Amount { get; init; }
    public string? Currency { get; init; }
    public double? Quantity { get; init; }
    public int? Count { get; init; }
    public string? Field { get; init; }
    public string? OldValue { get; init; }
    public string? NewValue { get; init; }
    public string? Action { get; init; }
    public string? Actor { get; init; }
    public DateTime? DueAt { get; init; }
    public string? State { get; init; }
    public DateTime? CompletedAt { get; init; }
    public long? Number { get; init; }
    public string? Priority { get; init; }
    public int? Score { get; init; }
}

public sealed record TimelinePage(IReadOnlyList<TimelineEntry> Items, string? NextCursor);

/// <summary>What to show: types (none = all), channels (communications only), words to find in contents.</summary>
public sealed record TimelineFilter(IReadOnlyCollection<string>? Types = null, IReadOnlyCollection<string>? Channels = null, string? Query = null)
{
    public const string Communication = "communication", Purchase = "purchase", Behavior = "behavior", Change = "change", Task = "task", Case = "case", Feedback = "feedback";
    public static readonly string[] AllTypes = [Case, Communication, Task, Feedback, Purchase, Change, Behavior];

    public bool Includes(string type) =>
        (Types is not { Count: > 0 } || Types.Contains(type))
        && (Channels is not { Count: > 0 } || type == Communication)
        && (string.IsNullOrWhiteSpace(Query) || type != Behavior);
}
