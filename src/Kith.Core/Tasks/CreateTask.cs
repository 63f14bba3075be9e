using Kith.Core.Identity;
using Kith.Core.Infrastructure;

namespace Kith.Core.Tasks;

/// <summary>Creates a task; a communication's follow-up is made the same way inside the communication's save.</summary>
public sealed class CreateTask(KithDb db, TaskRules rules, TaskQueries queries, TimeProvider clock)
{
    public async Task<TaskDetail> HandleAsync(TaskInput input, AccessScope scope, CancellationToken ct)
    {
        scope.EnsureCanCreate();
        var task = await BuildAsync(input, scope, ct);
        db.Tasks.Add(task);
        await db.SaveChangesAsync(ct);
        return await queries.GetAsync(scope, task.Id, ct);
    }

    /// <summary>A checked, unsaved task; <paramref name="prefix"/> names its fields inside a larger body ("followUp.").</summary>
    public async Task<TaskItem> BuildAsync(TaskInput input, AccessScope scope, CancellationToken ct, string prefix = "")
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var task = new TaskItem { CreatedAt = now, CreatedByUserId = scope.UserId };
        await rules.ApplyAsync(task, input, scope, ct, prefix);
        return task;
    }
}
