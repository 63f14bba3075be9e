using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Kith.Core.Identity;
using Kith.Tests.Communications;
using Kith.Tests.Infrastructure;

namespace Kith.Tests.Cases;

public sealed class CasesApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<HttpResponseMessage> PatchAsync(HttpClient client, string url, string json) =>
        client.PatchAsync(url, new StringContent(json, Encoding.UTF8, "application/merge-patch+json"), Ct);

    private static async Task<int> CaseCountAsync(KithTestHost host)
    {
        await using var db = host.OpenDb();
        return db.Cases.Count();
    }

    [Fact]
    public async Task ACaseIsOpenedListedWithFiltersPatchedAlongItsStatusesAndLinkedToCommunications()
    {
        await using var host = await KithTestHost.StartAsync();
        var (agentId, agent) = await host.UserWithClientAsync(Role.Agent);
        var customer = await CommunicationsApiTests.CustomerAsync(agent, "陈静");

        var created = await agent.PostJsonAsync("/api/v1/cases", new { subject = "Invoice is wrong", customerId = customer, priority = "urgent", assigneeId = agentId });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var c = await created.JsonAsync();
        var id = c.GetProperty("id").GetInt64();
        Assert.Equal($"/api/v1/cases/{id}", created.Headers.Location!.OriginalString);
        Assert.Equal(("open", "urgent", id + 1000, false), (c.GetProperty("status").GetString(), c.GetProperty("priority").GetString(), c.GetProperty("number").GetInt64(), c.GetProperty("breached").GetBoolean()));
        var due = c.GetProperty("dueAt").GetDateTime() - c.GetProperty("createdAt").GetDateTime();
        Assert.Equal(TimeSpan.FromHours(4), due);
        var other = await (await agent.PostJsonAsync("/api/v1/cases", new { subject = "Question", customerId = customer })).JsonAsync();

        var urgent = await (await agent.GetAsync($"/api/v1/cases?priority=urgent&status=open,pending&assigneeId={agentId}", Ct)).JsonAsync();
        Assert.Equal([id], urgent.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetInt64()));
        var unassigned = await (await agent.GetAsync($"/api/v1/cases?assigneeId=none&customerId={customer}&breached=false", Ct)).JsonAsync();
        Assert.Equal([other.GetProperty("id").GetInt64()], unassigned.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetInt64()));
        var paged = await (await agent.GetAsync("/api/v1/cases?limit=1", Ct)).JsonAsync();
        var next = paged.GetProperty("nextCursor").GetString();
        var second = await (await agent.GetAsync($"/api/v1/cases?limit=1&cursor={next}", Ct)).JsonAsync();
        Assert.Equal(id, second.GetProperty("items")[0].GetProperty("id").GetInt64());
        Assert.Equal(JsonValueKind.Null, second.GetProperty("nextCursor").ValueKind);
        var byNumber = await (await agent.GetAsync($"/api/v1/cases?q=%23{id + 1000}", Ct)).JsonAsync();
        Assert.Equal([id], byNumber.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetInt64()));

        var pending = await PatchAsync(agent, $"/api/v1/cases/{id}", """{"status":"pending","priority":"low","assigneeId":null}""");
        Assert.Equal(HttpStatusCode.OK, pending.StatusCode);
        var p = await pending.JsonAsync();
        Assert.Equal(("pending", "low", JsonValueKind.Null), (p.GetProperty("status").GetString(), p.GetProperty("priority").GetString(), p.GetProperty("assigneeId").ValueKind));
        Assert.Equal(TimeSpan.FromHours(72), p.GetProperty("dueAt").GetDateTime() - p.GetProperty("createdAt").GetDateTime());
        Assert.Contains(p.GetProperty("history").EnumerateArray(), h => h.GetProperty("field").GetString() == "status" && h.GetProperty("newValue").GetString() == "pending");
        Assert.Equal(HttpStatusCode.OK, (await PatchAsync(agent, $"/api/v1/cases/{id}", """{"status":"closed"}""")).StatusCode);
        var reopen = await PatchAsync(agent, $"/api/v1/cases/{id}", """{"status":"open"}""");
        Assert.Equal(HttpStatusCode.BadRequest, reopen.StatusCode);
        Assert.True((await reopen.JsonAsync()).GetProperty("errors").TryGetProperty("status", out _));

        var call = await agent.PostJsonAsync("/api/v1/communications", new { customerId = customer, channel = "phone", direction = "inbound", subject = "Card declined" });
        var callId = (await call.JsonAsync()).GetProperty("id").GetInt64();
        var fromCall = await agent.PostAsync($"/api/v1/communications/{callId}/case", null, Ct);
        Assert.Equal(HttpStatusCode.Created, fromCall.StatusCode);
        var fromCallCase = await fromCall.JsonAsync();
        Assert.Equal("Card declined", fromCallCase.GetProperty("subject").GetString());
        Assert.Equal(HttpStatusCode.Conflict, (await agent.PostAsync($"/api/v1/communications/{callId}/case", null, Ct)).StatusCode);
        var ofCall = await (await agent.GetAsync($"/api/v1/communications/{callId}/case", Ct)).JsonAsync();
        Assert.Equal(fromCallCase.GetProperty("id").GetInt64(), ofCall.GetProperty("id").GetInt64());

        var mail = await agent.PostJsonAsync("/api/v1/communications", new { customerId = customer, channel = "email", direction = "outbound", subject = "Re: Question" });
        var mailId = (await mail.JsonAsync()).GetProperty("id").GetInt64();
        var linked = await agent.PostJsonAsync($"/api/v1/cases/{other.GetProperty("id").GetInt64()}/communications", new { communicationId = mailId });
        Assert.Equal(HttpStatusCode.OK, linked.StatusCode);
        var l = await linked.JsonAsync();
        Assert.Equal([mailId], l.GetProperty("communications").EnumerateArray().Select(m => m.GetProperty("id").GetInt64()));
        Assert.Equal(JsonValueKind.String, l.GetProperty("firstRespondedAt").ValueKind);
        var reply = await agent.PostJsonAsync($"/api/v1/cases/{other.GetProperty("id").GetInt64()}/replies", new { content = "Done.", status = "resolved" });
        Assert.Equal("resolved", (await reply.JsonAsync()).GetProperty("status").GetString());

        var timeline = await (await agent.GetAsync($"/api/v1/customers/{customer}/timeline?type=case", Ct)).JsonAsync();
        Assert.Equal(3, timeline.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task BadInputIsA400NamingTheFieldAndNothingIsStoredAndACaseOutOfReachIs404()
    {
        await using var host = await KithTestHost.StartAsync();
        var (_, agent) = await host.UserWithClientAsync(Role.Agent);
        var (_, stranger) = await host.UserWithClientAsync(Role.Agent);
        var customer = await CommunicationsApiTests.CustomerAsync(agent);
        var theirs = await CommunicationsApiTests.CustomerAsync(stranger);

        async Task BadAsync(HttpResponseMessage response, string field)
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var problem = await response.JsonAsync();
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"no error for {field}: {problem}");
        }
        await BadAsync(await agent.PostJsonAsync("/api/v1/cases", new { customerId = customer }), "subject");
        await BadAsync(await agent.PostJsonAsync("/api/v1/cases", new { subject = "x" }), "customerId");
        await BadAsync(await agent.PostJsonAsync("/api/v1/cases", new { subject = "x", customerId = theirs }), "customerId");
        await BadAsync(await agent.PostJsonAsync("/api/v1/cases", new { subject = "x", customerId = customer, priority = "whenever" }), "priority");
        await BadAsync(await agent.PostJsonAsync("/api/v1/cases", new { subject = "x", customerId = customer, status = "closed" }), "status");
        await BadAsync(await agent.PostJsonAsync("/api/v1/cases", new { subject = new string('x', 301), customerId = customer }), "subject");
        await BadAsync(await agent.GetAsync("/api/v1/cases?status=done", Ct), "status");
        await BadAsync(await agent.GetAsync("/api/v1/cases?breached=maybe", Ct), "breached");
        await BadAsync(await agent.GetAsync("/api/v1/cases?cursor=nonsense", Ct), "cursor");
        var admin = await host.ApiClientAsync(await host.CreateUserAsync("boss@example.com", Role.Admin));
        var targets = new { urgentHours = 0, highHours = 8, normalHours = 24, lowHours = 72 };
        Assert.Equal(HttpStatusCode.Forbidden, (await agent.PutAsJsonAsync("/api/v1/cases/sla-targets", targets, KithTestHost.Json, Ct)).StatusCode);
        await BadAsync(await admin.PutAsJsonAsync("/api/v1/cases/sla-targets", targets, KithTestHost.Json, Ct), "urgentHours");
        Assert.Equal(0, await CaseCountAsync(host));

        var c = await (await agent.PostJsonAsync("/api/v1/cases", new { subject = "Mine", customerId = customer })).JsonAsync();
        var id = c.GetProperty("id").GetInt64();
        await BadAsync(await PatchAsync(agent, $"/api/v1/cases/{id}", """{"subject":""}"""), "subject");
        await BadAsync(await PatchAsync(agent, $"/api/v1/cases/{id}", """{"dueAt":"2030-01-01T00:00:00Z"}"""), "dueAt");
        await BadAsync(await agent.PostJsonAsync($"/api/v1/cases/{id}/communications", new { }), "communicationId");
        await BadAsync(await agent.PostJsonAsync($"/api/v1/cases/{id}/replies", new { content = "" }), "content");
        await BadAsync(await agent.PostJsonAsync($"/api/v1/cases/{id}/replies", new { content = "hi", channel = "pigeon" }), "channel");
        Assert.Equal("Mine", (await (await agent.GetAsync($"/api/v1/cases/{id}", Ct)).JsonAsync()).GetProperty("subject").GetString());
        Assert.Equal(0, (await (await agent.GetAsync($"/api/v1/customers/{customer}/timeline?type=communication", Ct)).JsonAsync()).GetProperty("items").GetArrayLength());

        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"/api/v1/cases/{id}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await PatchAsync(stranger, $"/api/v1/cases/{id}", """{"status":"resolved"}""")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.PostJsonAsync($"/api/v1/cases/{id}/replies", new { content = "hi" })).StatusCode);
        Assert.Equal(0, (await (await stranger.GetAsync("/api/v1/cases", Ct)).JsonAsync()).GetProperty("items").GetArrayLength());
        Assert.Equal(HttpStatusCode.NotFound, (await agent.GetAsync("/api/v1/cases/999999", Ct)).StatusCode);
    }
}
