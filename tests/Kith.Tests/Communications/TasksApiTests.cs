using System.Net;
using Kith.Core.Identity;
using Kith.Tests.Infrastructure;

namespace Kith.Tests.Communications;

public sealed class TasksApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ATaskIsCreatedListedInMyDayCompletedWithAnOutcomeReopenedAndDeleted()
    {
        await using var host = await KithTestHost.StartAsync();
        var (userId, client) = await host.UserWithClientAsync(Role.Agent);
        var (_, stranger) = await host.UserWithClientAsync(Role.Agent);
        var customer = await CommunicationsApiTests.CustomerAsync(client);
        var now = DateTimeOffset.UtcNow;

        var created = await client.PostJsonAsync("/api/v1/tasks", new { title = "Overdue call", customerId = customer, dueAt = now.AddDays(-2), remindAt = now.AddMinutes(-5) });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var task = await created.JsonAsync();
        var id = task.GetProperty("id").GetInt64();
        Assert.Equal(userId, task.GetProperty("assigneeId").GetInt64());
        Assert.Equal("open", task.GetProperty("state").GetString());
        await client.PostJsonAsync("/api/v1/tasks", new { title = "Next month", dueAt = now.AddDays(30) });

        var day = await (await client.GetAsync("/api/v1/tasks/my-day", Ct)).JsonAsync();
        Assert.Equal(["Overdue call"], day.GetProperty("overdue").EnumerateArray().Select(t => t.GetProperty("title").GetString()));
        Assert.Equal(["Next month"], day.GetProperty("upcoming").EnumerateArray().Select(t => t.GetProperty("title").GetString()));
        var reminders = await (await client.GetAsync("/api/v1/tasks/reminders", Ct)).JsonAsync();
        Assert.Equal([id], reminders.EnumerateArray().Select(t => t.GetProperty("id").GetInt64()));
        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsync($"/api/v1/tasks/{id}/reminder/dismiss", null, Ct)).StatusCode);
        Assert.Equal(0, (await (await client.GetAsync("/api/v1/tasks/reminders", Ct)).JsonAsync()).GetArrayLength());

        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"/api/v1/tasks/{id}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostJsonAsync("/api/v1/tasks", new { title = "", dueAt = "soon" })).StatusCode);

        var done = await client.PostJsonAsync($"/api/v1/tasks/{id}/complete", new { outcome = "no_answer", note = "Voicemail" });
        Assert.Equal(HttpStatusCode.OK, done.StatusCode);
        Assert.Equal(("done", "no_answer"), ((await done.JsonAsync()).GetProperty("state").GetString(), (await done.JsonAsync()).GetProperty("outcome").GetString()));
        Assert.Equal(HttpStatusCode.Conflict, (await client.PostJsonAsync($"/api/v1/tasks/{id}/complete", new { })).StatusCode);
        var timeline = await (await client.GetAsync($"/api/v1/customers/{customer}/timeline?type=task", Ct)).JsonAsync();
        var entry = timeline.GetProperty("items").EnumerateArray().Single();
        Assert.Equal(("done", "no_answer", "Voicemail"), (entry.GetProperty("state").GetString(), entry.GetProperty("outcome").GetString(), entry.GetProperty("text").GetString()));

        Assert.Equal("open", (await (await client.PostAsync($"/api/v1/tasks/{id}/reopen", null, Ct)).JsonAsync()).GetProperty("state").GetString());
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/v1/tasks/{id}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/v1/tasks/{id}", Ct)).StatusCode);
    }
}
