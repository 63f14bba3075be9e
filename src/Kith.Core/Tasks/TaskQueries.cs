using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Tasks;

/// <summary>Reads tasks within the caller's reach: one task, "my day", and reminders that are due.</summary>
public sealed class TaskQueries(KithDb db, TaskRules rules)
{
    public async Task<TaskDetail> GetAsync(AccessScope scope, long id, CancellationToken ct) =>
        (await DetailsAsync(rules.Visible(scope).Where(t => t.Id == id), ct)).SingleOrDefault() ?? throw new NotFound("Task");

    /// <summary>
    /// The caller's open tasks split by the day that contains <paramref name="now"/> (in its offset: the UI shows UTC):
    /// due before it, due within it, due after it or undated.
    /// </summary>
    public async Task<MyDay> MyDayAsync(AccessScope scope, DateTimeOffset now, CancellationToken ct)
    {
        var start = new DateTimeOffset(now.Date, now.Offset).UtcDateTime;
        var end = start.AddDays(1);
        var open = await DetailsAsync(db.Tasks.AsNoTracking().Where(t => t.AssigneeId == scope.UserId && t.State == TaskState.Open), ct);
        return new MyDay(
            open.Where(t => t.DueAt < start).OrderBy(t => t.DueAt).ToList(),
            open.Where(t => t.DueAt >= start && t.DueAt < end).OrderBy(t => t.DueAt).ToList(),
            open.Where(t => t.DueAt is null || t.DueAt >= end).OrderBy(t => t.DueAt is null).ThenBy(t => t.DueAt).ThenBy(t => t.Id).ToList());
    }

    /// <summary>The caller's open tasks whose reminder time has passed and that the caller has not yet dismissed.</summary>
    public Task<List<TaskDetail>> DueRemindersAsync(AccessScope scope, DateTime now, CancellationToken ct) =>
        DetailsAsync(db.Tasks.AsNoTracking().Where(t => t.AssigneeId == scope.UserId && t.RemindedAt == null && t.RemindAt <= now && t.State == TaskState.Open), ct);

    /// <summary>Dismisses a reminder in the app: it shows once.</summary>
    public async Task DismissReminderAsync(AccessScope scope, long id, DateTime now, CancellationToken ct)
    {
        var task = await db.Tasks.FirstOrDefaultAsync(t => t.Id == id && t.AssigneeId == scope.UserId, ct) ?? throw new NotFound("Task");
        task.RemindedAt = now;
        await db.SaveChangesAsync(ct);
    }

    internal static async Task<TaskItem> FindAsync(KithDb db, TaskRules rules, AccessScope scope, long id, CancellationToken ct)
    {
        if (!await rules.Visible(scope).AnyAsync(t => t.Id == id, ct)) throw new NotFound("Task");
        return await db.Tasks.FirstAsync(t => t.Id == id, ct);
    }

    private async Task<List<TaskDetail>> DetailsAsync(IQueryable<TaskItem> tasks, CancellationToken ct) =>
        await (from t in tasks
               join u in db.Users on t.AssigneeId equals u.Id
               join c in db.Customers on t.CustomerId equals c.Id into cs
               from c in cs.DefaultIfEmpty()
               select new TaskDetail(t.Id, t.Title, t.Notes, t.DueAt, t.RemindAt, t.AssigneeId, u.DisplayName != "" ? u.DisplayName : u.Email,
                   t.CustomerId, c == null ? null : c.Name, t.CommunicationId, t.State, t.Outcome, t.OutcomeNote, t.CompletedAt, t.CreatedAt,
                   t.CreatedByUserId)).Take(1000).ToListAsync(ct);
}
