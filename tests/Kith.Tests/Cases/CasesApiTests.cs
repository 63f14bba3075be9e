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

    [Fact]
    public async Task TheCaseListExportsWithItsFiltersAndOnlyTheCasesTheCallerReaches()
    {
        await using var host = await KithTestHost.StartAsync();
        var (adminId, admin) = await host.UserWithClientAsync(Role.Admin);
        var (agentId, agent) = await host.UserWithClientAsync(Role.Agent);
        long mine, theirs;
        await using (var db = host.OpenDb())
        {
            if (!db.RolePolicies.Any(p => p.Role == Role.Agent))
                db.RolePolicies.Add(new RolePolicy { Role = Role.Agent, Reach = RecordReach.Own, CanCreate = true, CanEdit = true });
            var ann = new Kith.Core.Customers.Customer { Name = "Ann", OwnerId = agentId, CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow };
            var bo = new Kith.Core.Customers.Customer { Name = "Bo", OwnerId = adminId, CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow };
            db.Customers.AddRange(ann, bo);
            await db.SaveChangesAsync(Ct);
            db.RolePolicies.Single(p => p.Role == Role.Agent).Reach = RecordReach.Own;
            await db.SaveChangesAsync(Ct);
            (mine, theirs) = (ann.Id, bo.Id);
        }
        var annCase = await (await admin.PostJsonAsync("/api/v1/cases", new { subject = "Refund, please", customerId = mine, priority = "high", assigneeId = agentId })).JsonAsync();
        await admin.PostJsonAsync("/api/v1/cases", new { subject = "=2+5+cmd|calc!A0", customerId = theirs });

        // The agent, whose reach is their own customers, gets Ann's case only, in a workbook.
        var workbook = await Kith.Tests.Analytics.AnalyticsApiTests.XlsxAsync(await agent.GetAsync("/api/v1/cases/export?format=xlsx", Ct));
        Assert.Equal(["number", "subject", "customerId", "customer", "status", "priority", "assigneeId", "assignee", "dueAt", "breached",
            "firstRespondedAt", "createdAt", "updatedAt"], workbook[0].Select(c => c?.ToString()));
        var row = Assert.Single(workbook.Skip(1));
        Assert.Equal((annCase.GetProperty("number").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture), "Refund, please", "Ann", "open", "high"),
            (row[0]?.ToString(), row[1]?.ToString(), row[3]?.ToString(), row[4]?.ToString(), row[5]?.ToString()));

        // The administrator reaches both; the subject typed as a formula is neutralised; the filters narrow the file.
        var all = await admin.GetAsync("/api/v1/cases/export", Ct);
        Assert.Equal("text/csv", all.Content.Headers.ContentType?.MediaType);
        Assert.Matches(@"^cases-\d{4}-\d{2}-\d{2}\.csv$", all.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        var rows = Kith.Tests.Exporting.ExportApiTests.Csv(await all.Content.ReadAsByteArrayAsync(Ct));
        Assert.Equal(["'=2+5+cmd|calc!A0", "Refund, please"], rows.Skip(1).Select(r => r[1]));
        var high = Kith.Tests.Exporting.ExportApiTests.Csv(await (await admin.GetAsync($"/api/v1/cases/export?priority=high&assigneeId={agentId}&status=open", Ct)).Content.ReadAsByteArrayAsync(Ct));
        Assert.Equal(["Refund, please"], high.Skip(1).Select(r => r[1]));
        var closed = Kith.Tests.Exporting.ExportApiTests.Csv(await (await admin.GetAsync("/api/v1/cases/export?status=closed", Ct)).Content.ReadAsByteArrayAsync(Ct));
        Assert.Single(closed);

        // The browser's Export menu gets the same file with the sign-in cookie; a malformed parameter is a 400 naming it.
        Assert.NotEqual(HttpStatusCode.OK, (await host.AnonymousClient().GetAsync("/cases/export", Ct)).StatusCode);
        foreach (var (query, field) in new[] { ("format=pdf", "format"), ("status=done", "status"), ("bom=maybe", "bom"), ("breached=yes", "breached") })
        {
            var bad = await admin.GetAsync($"/api/v1/cases/export?{query}", Ct);
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.True((await bad.JsonAsync()).GetProperty("errors").TryGetProperty(field, out _), query);
        }
    }
}
