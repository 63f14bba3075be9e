using Kith.Core.Communications;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;

namespace Kith.Core.Tasks;

/// <summary>How a task ended: an outcome key and a note, both optional.</summary>
public sealed class TaskCompletion
{
    public string? Outcome { get; set; }
    public string? Note { get; set; }
}

/// <summary>
/// Marks a task done with its outcome; it then sits on its customer's timeline at the time it was completed.
/// Reopening clears the outcome. Completing a done task again is refused (409) so two people cannot both record an outcome.
/// </summary>
public sealed class CompleteTask(KithDb db, TaskRules rules, TaskQueries queries, CommunicationChoices choices, TimeProvider clock)
{
    public async Task<TaskDetail> HandleAsync(long id, TaskCompletion completion, AccessScope scope, CancellationToken ct)
    {
        scope.EnsureCanEdit();
        var task = await TaskQueries.FindAsync(db, rules, scope, id, ct);
        if (task.State == TaskState.Done) throw new RuleViolation("The task is already done.", status: 409);
        var outcome = await choices.CheckAsync(ChoiceKind.Outcome, completion.Outcome, "outcome", ct);
        if (completion.Note is { Length: > 4000 }) throw RuleViolation.Field("note", "The note is longer than 4000 characters.");
        task.State = TaskState.Done;
        task.Outcome = outcome;
        task.OutcomeNote = string.IsNullOrWhiteSpace(completion.Note) ? null : completion.Note.Trim();
        task.CompletedAt = clock.GetUtcNow().UtcDateTime;
        task.CompletedByUserId = scope.UserId;
        task.PlaceOnTimeline();
        await db.SaveChangesAsync(ct);
        return await queries.GetAsync(scope, id, ct);
    }

    public async Task<TaskDetail> ReopenAsync(long id, AccessScope scope, CancellationToken ct)
    {
        scope.EnsureCanEdit();
        var task = await TaskQueries.FindAsync(db, rules, scope, id, ct);
        task.State = TaskState.Open;
        task.Outcome = null;
        task.OutcomeNote = null;
        task.CompletedAt = null;
        task.CompletedByUserId = null;
        task.PlaceOnTimeline();
        await db.SaveChangesAsync(ct);
        return await queries.GetAsync(scope, id, ct);
    }
}
