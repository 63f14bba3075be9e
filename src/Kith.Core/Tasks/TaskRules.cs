using Kith.Core.Communications;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Tasks;

/// <summary>
/// What makes a task valid, and who reaches it. A task belongs to its assignee the way a record belongs to its owner:
/// the people who reach the assignee's records reach the task, and its creator always does. A task about a customer
/// also needs that customer in reach.
/// </summary>
public sealed class TaskRules(KithDb db)
{
    public IQueryable<TaskItem> Visible(AccessScope scope)
    {
        var tasks = db.Tasks.AsNoTracking();
        var customers = scope.Visible(db.Customers.AsNoTracking());
        tasks = tasks.Where(t => t.CustomerId == null || customers.Any(c => c.Id == t.CustomerId));
        if (scope.OwnerIds is not { } owners) return tasks;
        var ids = owners.ToArray();
        var me = scope.UserId;
        return tasks.Where(t => ids.Contains(t.AssigneeId) || t.CreatedByUserId == me);
    }

    /// <summary>Checks the input and copies it onto <paramref name="task"/>; throws a RuleViolation naming every bad field.</summary>
    public async Task ApplyAsync(TaskItem task, TaskInput input, AccessScope scope, CancellationToken ct, string prefix = "")
    {
        var errors = new Dictionary<string, string[]>();
        var title = input.Title?.Trim();
        if (string.IsNullOrEmpty(title)) errors[prefix + "title"] = ["A task needs a title."];
        else if (title.Length > 300) errors[prefix + "title"] = ["The title is longer than 300 characters."];
        if (input.Notes is { Length: > 4000 }) errors[prefix + "notes"] = ["The notes are longer than 4000 characters."];
        var assignee = input.AssigneeId ?? scope.UserId;
        if (assignee != scope.UserId)
        {
            var exists = await db.Users.AnyAsync(u => u.Id == assignee && !u.IsDisabled, ct);
            if (!exists || !scope.CanReachOwner(assignee))
                errors[prefix + "assigneeId"] = [$"There is no user {assignee} you can assign tasks to."];
            else if (!scope.Policy.CanAssign)
                errors[prefix + "assigneeId"] = ["Your role may only assign tasks to yourself."];
        }
        if (input.CustomerId is { } customerId && !await scope.Visible(db.Customers.AsNoTracking()).AnyAsync(c => c.Id == customerId, ct))
            errors[prefix + "customerId"] = [$"There is no customer {customerId}."];
        if (input.CommunicationId is { } communicationId
            && !await CommunicationAccess.CanReadAsync(db, scope, communicationId, ct))
            errors[prefix + "communicationId"] = [$"There is no communication {communicationId}."];
        if (errors.Count > 0) throw new RuleViolation(errors.First().Value[0], errors);
        task.Title = title!;
        task.Notes = string.IsNullOrWhiteSpace(input.Notes) ? null : input.Notes.Trim();
        task.DueAt = input.DueAt?.UtcDateTime;
        if (task.RemindAt != input.RemindAt?.UtcDateTime) task.RemindedAt = null;
        task.RemindAt = input.RemindAt?.UtcDateTime;
        task.AssigneeId = assignee;
        task.CustomerId = input.CustomerId;
        task.CommunicationId = input.CommunicationId ?? task.CommunicationId;
        task.PlaceOnTimeline();
    }
}
