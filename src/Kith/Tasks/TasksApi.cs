using Kith.Core.Tasks;
using Kith.Customers;
using Kith.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kith.Tasks;

/// <summary>/api/v1/tasks: follow-ups and to-dos, "my day" and due reminders. A task out of reach is 404.</summary>
internal static class TasksApi
{
    public static RouteGroupBuilder MapTasks(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/tasks").WithTags("Tasks");
        g.MapPost("/", CreateAsync).WithName("CreateTask").Accepts<TaskInput>("application/json")
            .WithSummary("Creates a task: title, dueAt, remindAt, assigneeId (default: you), customerId, communicationId.");
        g.MapGet("/my-day", MyDayAsync).WithName("MyDay")
            .WithSummary("Your open tasks: overdue, due today and upcoming (days in UTC, or in ?utcOffsetMinutes=).");
        g.MapGet("/reminders", RemindersAsync).WithName("DueReminders").WithSummary("Your open tasks whose reminder time has passed and that you have not dismissed.");
        g.MapPost("/{id:long}/reminder/dismiss", DismissAsync).WithName("DismissReminder");
        g.MapGet("/{id:long}", GetAsync).WithName("GetTask");
        g.MapPut("/{id:long}", UpdateAsync).WithName("UpdateTask").Accepts<TaskInput>("application/json");
        g.MapDelete("/{id:long}", DeleteAsync).WithName("DeleteTask");
        g.MapPost("/{id:long}/complete", CompleteAsync).WithName("CompleteTask").Accepts<TaskCompletion>("application/json")
            .WithSummary("Marks a task done with an outcome key and a note; 409 when it is already done.");
        g.MapPost("/{id:long}/reopen", ReopenAsync).WithName("ReopenTask");
        return api;
    }

    private static async Task<Created<TaskDetail>> CreateAsync(HttpContext http, Caller caller, CreateTask create, CancellationToken ct)
    {
        var input = await RecordApi.ReadBodyAsync<TaskInput>(http.Request, ct);
        var task = await create.HandleAsync(input, await caller.ScopeAsync(ct), ct);
        return TypedResults.Created($"/api/v1/tasks/{task.Id}", task);
    }

    private static async Task<Ok<TaskDetail>> GetAsync(long id, Caller caller, TaskQueries queries, CancellationToken ct) =>
        TypedResults.Ok(await queries.GetAsync(await caller.ScopeAsync(ct), id, ct));

    private static async Task<Ok<TaskDetail>> UpdateAsync(long id, HttpContext http, Caller caller, UpdateTask update, CancellationToken ct)
    {
        var input = await RecordApi.ReadBodyAsync<TaskInput>(http.Request, ct);
        return TypedResults.Ok(await update.HandleAsync(id, input, await caller.ScopeAsync(ct), ct));
    }

    private static async Task<NoContent> DeleteAsync(long id, Caller caller, DeleteTask delete, CancellationToken ct)
    {
        await delete.HandleAsync(id, await caller.ScopeAsync(ct), ct);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<TaskDetail>> CompleteAsync(long id, HttpContext http, Caller caller, CompleteTask complete, CancellationToken ct)
    {
        var body = http.Request.ContentLength is 0 or null && !http.Request.Headers.ContentType.Any()
            ? new TaskCompletion()
            : await RecordApi.ReadBodyAsync<TaskCompletion>(http.Request, ct);
        return TypedResults.Ok(await complete.HandleAsync(id, body, await caller.ScopeAsync(ct), ct));
    }

    private static async Task<Ok<TaskDetail>> ReopenAsync(long id, Caller caller, CompleteTask complete, CancellationToken ct) =>
        TypedResults.Ok(await complete.ReopenAsync(id, await caller.ScopeAsync(ct), ct));

    private static async Task<Ok<MyDay>> MyDayAsync(int? utcOffsetMinutes, Caller caller, TaskQueries queries, TimeProvider clock, CancellationToken ct)
    {
        if (utcOffsetMinutes is < -14 * 60 or > 14 * 60) throw Kith.Core.Infrastructure.RuleViolation.Field("utcOffsetMinutes", "The offset is between -840 and 840 minutes.");
        var now = clock.GetUtcNow().ToOffset(TimeSpan.FromMinutes(utcOffsetMinutes ?? 0));
        return TypedResults.Ok(await queries.MyDayAsync(await caller.ScopeAsync(ct), now, ct));
    }

    private static async Task<Ok<List<TaskDetail>>> RemindersAsync(Caller caller, TaskQueries queries, TimeProvider clock, CancellationToken ct) =>
        TypedResults.Ok(await queries.DueRemindersAsync(await caller.ScopeAsync(ct), clock.GetUtcNow().UtcDateTime, ct));

    private static async Task<NoContent> DismissAsync(long id, Caller caller, TaskQueries queries, TimeProvider clock, CancellationToken ct)
    {
        await queries.DismissReminderAsync(await caller.ScopeAsync(ct), id, clock.GetUtcNow().UtcDateTime, ct);
        return TypedResults.NoContent();
    }
}
