using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Tasks;

/// <summary>
/// Sends a task's reminder by email. The mail feature implements it with system mail (<see cref="TaskReminderMail"/>);
/// while it is not ready (system mail not set up) reminders show in the app only and stay unsent, to go out once it
/// is. Throwing leaves the reminder unsent, to be tried again on the next round.
/// </summary>
public interface ITaskReminderSender
{
    Task<bool> IsReadyAsync(CancellationToken ct);

    Task SendAsync(TaskDetail task, User assignee, CancellationToken ct);
}

/// <summary>One round of email reminders: every open task whose reminder time has passed and that has not been emailed.</summary>
public sealed class SendTaskReminders(KithDb db, TimeProvider clock, IEnumerable<ITaskReminderSender> senders)
{
    public async Task<int> RunAsync(CancellationToken ct)
    {
        if (senders.FirstOrDefault() is not { } sender || !await sender.IsReadyAsync(ct)) return 0;
        var now = clock.GetUtcNow().UtcDateTime;
        var due = await db.Tasks.Where(t => t.State == TaskState.Open && t.ReminderEmailedAt == null && t.RemindAt <= now)
            .OrderBy(t => t.RemindAt).Take(100).ToListAsync(ct);
        var sent = 0;
        foreach (var task in due)
        {
            var assignee = await db.Users.AsNoTracking().FirstAsync(u => u.Id == task.AssigneeId, ct);
            if (assignee.IsDisabled) continue;
            var scope = await AccessScope.ForUserAsync(db, assignee.Id, ct);
            if (scope is null) continue;
            var detail = await new TaskQueries(db, new TaskRules(db)).GetAsync(scope, task.Id, ct);
            await sender.SendAsync(detail, assignee, ct);
            task.ReminderEmailedAt = now;
            await db.SaveChangesAsync(ct);
            sent++;
        }
        return sent;
    }
}
