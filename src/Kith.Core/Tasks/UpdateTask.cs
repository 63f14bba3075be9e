using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Tasks;

/// <summary>Changes a task's title, notes, due and reminder times, assignee or customer.</summary>
public sealed class UpdateTask(KithDb db, TaskRules rules, TaskQueries queries)
{
    public async Task<TaskDetail> HandleAsync(long id, TaskInput input, AccessScope scope, CancellationToken ct)
    {
        scope.EnsureCanEdit();
        var task = await TaskQueries.FindAsync(db, rules, scope, id, ct);
        await rules.ApplyAsync(task, input, scope, ct);
        await db.SaveChangesAsync(ct);
        return await queries.GetAsync(scope, id, ct);
    }
}

/// <summary>Removes a task.</summary>
public sealed class DeleteTask(KithDb db, TaskRules rules)
{
    public async Task HandleAsync(long id, AccessScope scope, CancellationToken ct)
    {
        scope.EnsureCanDelete();
        var task = await TaskQueries.FindAsync(db, rules, scope, id, ct);
        db.Tasks.Remove(task);
        await db.SaveChangesAsync(ct);
    }
}
