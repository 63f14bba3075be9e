using Kith.Core.Customers;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Core.Tasks;
using Kith.Core.Tests.Customers;
using Kith.Core.Timeline;
using Kith.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Kith.Core.Tests.Tasks;

public sealed class TaskLifecycleTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task ATaskIsPlannedRemindedCompletedWithItsOutcomeAndThenSitsOnTheTimelineWhenItWasDone(DatabaseProvider provider)
    {
        await using var kit = await RecordKit.StartAsync(provider);
        var agent = await kit.ScopeAsync(await kit.UserAsync(Role.Agent, "Li"));
        var customer = await kit.CreateAsync(agent, new CustomerInput { Name = "C" });
        var now = kit.Clock.GetUtcNow();
        TaskDetail Create(string title, DateTimeOffset? due, DateTimeOffset? remind = null) => kit.RunAsync(sp => sp.GetRequiredService<CreateTask>()
            .HandleAsync(new TaskInput { Title = title, DueAt = due, RemindAt = remind, CustomerId = customer.Id }, agent, Ct)).GetAwaiter().GetResult();

        var late = Create("Late", now.AddDays(-1));
        var today = Create("Today", now.AddHours(2), remind: now.AddHours(1));
        var later = Create("Later", now.AddDays(3));
        var undated = Create("Someday", null);

        var day = await kit.RunAsync(sp => sp.GetRequiredService<TaskQueries>().MyDayAsync(agent, now, Ct));
        Assert.Equal(["Late"], day.Overdue.Select(t => t.Title));
        Assert.Equal(["Today"], day.Today.Select(t => t.Title));
        Assert.Equal(["Later", "Someday"], day.Upcoming.Select(t => t.Title));

        Assert.Empty(await kit.RunAsync(sp => sp.GetRequiredService<TaskQueries>().DueRemindersAsync(agent, now.UtcDateTime, Ct)));
        var due = await kit.RunAsync(sp => sp.GetRequiredService<TaskQueries>().DueRemindersAsync(agent, now.AddHours(1).UtcDateTime, Ct));
        Assert.Equal([today.Id], due.Select(t => t.Id));
        await kit.RunAsync(sp => sp.GetRequiredService<TaskQueries>().DismissReminderAsync(agent, today.Id, now.AddHours(1).UtcDateTime, Ct));
        Assert.Empty(await kit.RunAsync(sp => sp.GetRequiredService<TaskQueries>().DueRemindersAsync(agent, now.AddHours(2).UtcDateTime, Ct)));

        kit.Clock.Advance(TimeSpan.FromMinutes(30));
        var done = await kit.RunAsync(sp => sp.GetRequiredService<CompleteTask>().HandleAsync(today.Id, new TaskCompletion { Outcome = "Resolved", Note = "Sent it" }, agent, Ct));
        Assert.Equal((TaskState.Done, "resolved", "Sent it"), (done.State, done.Outcome, done.OutcomeNote));
        var twice = await Assert.ThrowsAsync<RuleViolation>(() => kit.RunAsync(sp => sp.GetRequiredService<CompleteTask>().HandleAsync(today.Id, new TaskCompletion(), agent, Ct)));
        Assert.Equal(409, twice.Status);
        var badOutcome = await Assert.ThrowsAsync<RuleViolation>(() => kit.RunAsync(sp => sp.GetRequiredService<CompleteTask>().HandleAsync(later.Id, new TaskCompletion { Outcome = "shrug" }, agent, Ct)));
        Assert.Contains("outcome", badOutcome.Errors.Keys);

        var timeline = await kit.RunAsync(sp => sp.GetRequiredService<CustomerTimeline>().PageAsync(agent, customer.Id, new TimelineFilter(Types: ["task"]), null, 50, Ct));
        var entry = Assert.Single(timeline.Items, i => i.RecordId == today.Id);
        Assert.Equal(("done", "resolved", kit.Clock.GetUtcNow().UtcDateTime), (entry.State, entry.Outcome, entry.OccurredAt));

        var day2 = await kit.RunAsync(sp => sp.GetRequiredService<TaskQueries>().MyDayAsync(agent, now, Ct));
        Assert.Empty(day2.Today);
        _ = late; _ = undated;
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task AnotherTeamsAgentCannotReadOrCompleteATaskAndATitleIsRequired(DatabaseProvider provider)
    {
        await using var kit = await RecordKit.StartAsync(provider);
        var agent = await kit.ScopeAsync(await kit.UserAsync(Role.Agent, "Li"));
        var stranger = await kit.ScopeAsync(await kit.UserAsync(Role.Agent, "Zhao"));
        var task = await kit.RunAsync(sp => sp.GetRequiredService<CreateTask>().HandleAsync(new TaskInput { Title = "Mine" }, agent, Ct));

        await Assert.ThrowsAsync<NotFound>(() => kit.RunAsync(sp => sp.GetRequiredService<TaskQueries>().GetAsync(stranger, task.Id, Ct)));
        await Assert.ThrowsAsync<NotFound>(() => kit.RunAsync(sp => sp.GetRequiredService<CompleteTask>().HandleAsync(task.Id, new TaskCompletion(), stranger, Ct)));
        var untitled = await Assert.ThrowsAsync<RuleViolation>(() => kit.RunAsync(sp => sp.GetRequiredService<CreateTask>().HandleAsync(new TaskInput { Title = " " }, agent, Ct)));
        Assert.Contains("title", untitled.Errors.Keys);
        var assign = await Assert.ThrowsAsync<RuleViolation>(() => kit.RunAsync(sp => sp.GetRequiredService<CreateTask>().HandleAsync(new TaskInput { Title = "x", AssigneeId = stranger.UserId }, agent, Ct)));
        Assert.Contains("assigneeId", assign.Errors.Keys);
    }
}
