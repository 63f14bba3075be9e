using System.Net;
using System.Net.Http.Json;
using Kith.Core.Identity;
using Kith.Tests.Identity;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Tests.Feedback;

/// <summary>The feedback and system mail APIs over HTTP with the real host, and a survey answered from a really delivered email.</summary>
public sealed class FeedbackApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    internal static object SystemMail(int port, string password = "smtp-pw") => new
    {
        host = "127.0.0.1", port, security = "none", user = "kith@company.example", password, fromAddress = "kith@company.example", fromName = "Kith",
        publicUrl = "https://crm.company.example",
    };

    private static async Task<long> CustomerAsync(HttpClient client, string name, string? email = null) =>
        (await (await client.PostJsonAsync("/api/v1/customers", new { name, email })).JsonAsync()).GetProperty("id").GetInt64();

    [Fact]
    public async Task System_mail_is_for_administrators_its_password_never_comes_back_and_send_test_delivers()
    {
        await using var smtp = new SmtpSink("kith@company.example", "Very-S3cret-Pw-71");
        await using var host = await KithTestHost.StartAsync(configure: KithTestHost.LocalMail);
        var (adminId, admin) = await host.UserWithClientAsync(Role.Admin, "boss@company.example");
        var (_, agent) = await host.UserWithClientAsync(Role.Agent);

        var unset = await admin.PostAsync("/api/v1/admin/system-mail/test", null, Ct);
        var bad = await admin.PutAsync("/api/v1/admin/system-mail", JsonContent.Create(new { host = "", port = 70000, fromAddress = "nope", fromName = "A\nB", publicUrl = "" }), Ct);
        var saved = await admin.PutAsync("/api/v1/admin/system-mail", JsonContent.Create(SystemMail(smtp.Port, "Very-S3cret-Pw-71")), Ct);
        var read = await admin.GetStringAsync("/api/v1/admin/system-mail", Ct);
        var tested = await admin.PostAsync("/api/v1/admin/system-mail/test", null, Ct);

        Assert.Equal(HttpStatusCode.Conflict, unset.StatusCode);
        Assert.Contains("System mail", (await unset.JsonAsync()).GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = (await bad.JsonAsync()).GetProperty("errors");
        foreach (var field in new[] { "host", "port", "fromAddress", "fromName", "publicUrl" }) Assert.True(errors.TryGetProperty(field, out _), field + ": " + errors);
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        Assert.DoesNotContain("Very-S3cret-Pw-71", await saved.Content.ReadAsStringAsync(Ct));
        Assert.DoesNotContain("Very-S3cret-Pw-71", read);
        Assert.Contains("\"hasPassword\":true", read);
        Assert.Equal(HttpStatusCode.OK, tested.StatusCode);
        Assert.Equal("boss@company.example", Assert.Single(smtp.Messages).To.Mailboxes.Single().Address);
        Assert.Equal(HttpStatusCode.Forbidden, (await agent.GetAsync("/api/v1/admin/system-mail", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await agent.PutAsync("/api/v1/admin/system-mail", JsonContent.Create(SystemMail(1)), Ct)).StatusCode);
        _ = adminId;
    }

    [Fact]
    public async Task Bad_feedback_is_a_400_naming_the_field_and_another_teams_customer_is_404_everywhere()
    {
        await using var host = await KithTestHost.StartAsync(configure: KithTestHost.LocalMail);
        var (_, agent) = await host.UserWithClientAsync(Role.Agent);
        var (_, stranger) = await host.UserWithClientAsync(Role.Agent);
        var customer = await CustomerAsync(agent, "Alice", "alice@example.com");

        var score = await agent.PostJsonAsync("/api/v1/feedback", new { customerId = customer, kind = "nps", score = 11 });
        var kind = await agent.PostJsonAsync("/api/v1/feedback", new { customerId = customer, kind = "stars", score = 3 });
        var fraction = await agent.PostJsonAsync("/api/v1/feedback", new { customerId = customer, kind = "csat", score = 3.5 });
        var noCustomer = await agent.PostJsonAsync("/api/v1/feedback", new { kind = "csat", score = 3 });
        var groupBy = await agent.GetAsync("/api/v1/feedback/summary?groupBy=team", Ct);
        var from = await agent.GetAsync("/api/v1/feedback/summary?from=yesterday", Ct);
        var created = await agent.PostJsonAsync("/api/v1/feedback", new { customerId = customer, kind = "csat", score = 5, comment = "Great" });
        var id = (await created.JsonAsync()).GetProperty("id").GetInt64();

        Assert.Equal(HttpStatusCode.BadRequest, score.StatusCode);
        Assert.True((await score.JsonAsync()).GetProperty("errors").TryGetProperty("score", out _));
        Assert.Equal(HttpStatusCode.BadRequest, kind.StatusCode);
        Assert.Contains("kind", await kind.Content.ReadAsStringAsync(Ct));
        Assert.Equal(HttpStatusCode.BadRequest, fraction.StatusCode);
        Assert.True((await noCustomer.JsonAsync()).GetProperty("errors").TryGetProperty("customerId", out _));
        Assert.True((await groupBy.JsonAsync()).GetProperty("errors").TryGetProperty("groupBy", out _));
        Assert.True((await from.JsonAsync()).GetProperty("errors").TryGetProperty("from", out _));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"/api/v1/feedback/{id}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"/api/v1/feedback?customerId={customer}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.PostJsonAsync("/api/v1/feedback", new { customerId = customer, kind = "csat", score = 1 })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.PostJsonAsync("/api/v1/feedback/surveys", new { customerId = customer, kind = "csat" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"/api/v1/feedback/surveys?customerId={customer}", Ct)).StatusCode);
        Assert.Equal(0, (await (await stranger.GetAsync("/api/v1/feedback", Ct)).JsonAsync()).GetProperty("items").GetArrayLength());
        Assert.Equal(0, (await (await stranger.GetAsync("/api/v1/feedback/summary", Ct)).JsonAsync()).GetProperty("total").GetProperty("csatCount").GetInt32());
        await using var db = host.OpenDb();
        Assert.Equal(1, await db.Feedback.CountAsync(Ct));
    }

    [Fact]
    public async Task The_summary_per_agent_adds_up_and_downloads_as_csv()
    {
        await using var host = await KithTestHost.StartAsync(configure: KithTestHost.LocalMail);
        var (_, agent) = await host.UserWithClientAsync(Role.Agent, "li@company.example");
        var customer = await CustomerAsync(agent, "Alice");
        foreach (var s in new[] { 5, 4, 2 }) await agent.PostJsonAsync("/api/v1/feedback", new { customerId = customer, kind = "csat", score = s });
        foreach (var s in new[] { 10, 9, 8, 2 }) await agent.PostJsonAsync("/api/v1/feedback", new { customerId = customer, kind = "nps", score = s });

        var summary = await (await agent.GetAsync("/api/v1/feedback/summary?groupBy=agent", Ct)).JsonAsync();
        var csv = await agent.GetAsync("/api/v1/feedback/summary?groupBy=agent&format=csv", Ct);

        var row = summary.GetProperty("groups")[0];
        Assert.Equal("li", row.GetProperty("label").GetString());
        Assert.Equal((3, 3.67, 66.7), (row.GetProperty("csatCount").GetInt32(), row.GetProperty("csatAverage").GetDouble(), row.GetProperty("csatSatisfiedPercent").GetDouble()));
        Assert.Equal((4, 2, 1, 1, 25.0), (row.GetProperty("npsCount").GetInt32(), row.GetProperty("promoters").GetInt32(), row.GetProperty("passives").GetInt32(),
            row.GetProperty("detractors").GetInt32(), row.GetProperty("nps").GetDouble()));
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        var text = await csv.Content.ReadAsStringAsync(Ct);
        Assert.Contains("agent,label,csat_count,csat_average,csat_satisfied_percent,nps_count,promoters,passives,detractors,nps", text);
        Assert.Contains("total,Total,3,3.67,66.7,4,2,1,1,25", text);
    }

    [Fact]
    public async Task A_survey_sent_through_the_api_is_answered_once_through_the_link_in_the_delivered_email()
    {
        await using var smtp = new SmtpSink("kith@company.example", "smtp-pw");
        await using var host = await KithTestHost.StartAsync(configure: KithTestHost.LocalMail);
        var (_, admin) = await host.UserWithClientAsync(Role.Admin);
        var (agentId, agent) = await host.UserWithClientAsync(Role.Agent);
        var customer = await CustomerAsync(agent, "Alice Chen", "alice@customer.example");
        Assert.Equal(HttpStatusCode.Conflict, (await agent.PostJsonAsync("/api/v1/feedback/surveys", new { customerId = customer, kind = "csat" })).StatusCode);
        await admin.PutAsync("/api/v1/admin/system-mail", JsonContent.Create(SystemMail(smtp.Port)), Ct);

        var sent = await agent.PostJsonAsync("/api/v1/feedback/surveys", new { customerId = customer, kind = "csat", language = "en" });
        Assert.Equal(HttpStatusCode.Created, sent.StatusCode);
        Assert.DoesNotContain("/survey/", await sent.Content.ReadAsStringAsync(Ct));
        var mail = Assert.Single(smtp.Messages);
        Assert.Equal("How satisfied are you with our service?", mail.Subject);
        var token = TestMail.SurveyToken(mail.TextBody!);
        Assert.Contains($"https://crm.company.example/survey/{token}?culture=en", mail.TextBody);

        var visitor = host.Browser();
        var page = await visitor.GetAsync($"/survey/{token}?culture=en", Ct);
        var html = await page.Content.ReadAsStringAsync(Ct);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("How satisfied are you with our service?", html);
        var antiforgery = await CookieSessions.FormTokenAsync(visitor, $"/survey/{token}?culture=en");
        var thanks = await AnswerAsync(visitor, token, antiforgery, "4", "Friendly <b>team</b>");
        // The same form sent again, as the back button and a double click do.
        var again = await AnswerAsync(visitor, token, antiforgery, "1", "Changed my mind");
        var reopened = await (await visitor.GetAsync($"/survey/{token}", Ct)).Content.ReadAsStringAsync(Ct);
        var unknown = await (await visitor.GetAsync("/survey/not-a-real-token-at-all-xxxxxxxxxxxxxx", Ct)).Content.ReadAsStringAsync(Ct);

        Assert.Contains("data-test=\"survey-thanks\"", thanks);
        Assert.Contains("data-test=\"survey-closed\"", again);
        Assert.Contains("already been answered", reopened);
        Assert.Contains("not valid", unknown);
        var list = await (await agent.GetAsync($"/api/v1/feedback?customerId={customer}", Ct)).JsonAsync();
        var answer = Assert.Single(list.GetProperty("items").EnumerateArray());
        Assert.Equal((4, "Friendly <b>team</b>", "survey", agentId), (answer.GetProperty("score").GetInt32(), answer.GetProperty("comment").GetString(),
            answer.GetProperty("source").GetString(), answer.GetProperty("agentId").GetInt64()));
        var surveys = await (await agent.GetAsync($"/api/v1/feedback/surveys?customerId={customer}", Ct)).JsonAsync();
        Assert.Equal(answer.GetProperty("id").GetInt64(), surveys[0].GetProperty("feedbackId").GetInt64());
        var timeline = await (await agent.GetAsync($"/api/v1/customers/{customer}/timeline?type=feedback", Ct)).JsonAsync();
        Assert.Equal(4, timeline.GetProperty("items")[0].GetProperty("score").GetInt32());
    }

    /// <summary>Posts the survey form as a browser would: its antiforgery field, a score and a comment.</summary>
    private static async Task<string> AnswerAsync(HttpClient client, string token, string antiforgery, string score, string comment)
    {
        var response = await client.PostAsync($"/survey/{token}?culture=en", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "survey", ["__RequestVerificationToken"] = antiforgery, ["Input.Score"] = score, ["Input.Comment"] = comment,
        }), Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync(Ct);
    }
}
