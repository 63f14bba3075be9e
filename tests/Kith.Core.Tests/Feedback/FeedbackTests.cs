using Kith.Core.Communications;
using Kith.Core.Feedback;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Core.Mail;
using Kith.Core.Tests.Mail;
using Kith.Core.Timeline;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kith.Core.Tests.Feedback;

/// <summary>Recording answers, who may see them, the summary's arithmetic, and surveys answered through the link of a really delivered email.</summary>
public sealed class FeedbackTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<FeedbackView> RecordAsync(MailboxKit kit, AccessScope scope, FeedbackInput input) =>
        kit.RunAsync<RecordFeedback, FeedbackView>(h => h.HandleAsync(input, scope, ActorKind.User, Ct));

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task The_summary_gives_csat_average_share_satisfied_and_nps_per_agent_and_per_month(DatabaseProvider provider)
    {
        await using var kit = await MailboxKit.StartAsync(provider);
        var (liId, _) = await kit.UserAsync(Role.Agent, "Li");
        var (wangId, _) = await kit.UserAsync(Role.Agent, "Wang");
        await kit.TeamAsync(liId, wangId);
        var li = await kit.ScopeAsync(liId);
        var wang = await kit.ScopeAsync(wangId);
        var (customer, other) = (await kit.CustomersAsync(liId, ("Alice", "alice@example.com"), ("Bob", "bob@example.com"))) is [var a, var b] ? (a, b) : default;
        var feb = new DateTime(2026, 2, 10, 8, 0, 0, DateTimeKind.Utc);
        var jan = new DateTime(2026, 1, 20, 8, 0, 0, DateTimeKind.Utc);
        // Li: CSAT 5, 4, 3, 1 -> average 3.25, 2 of 4 satisfied; NPS 10, 9, 8, 6, 0 -> 2 promoters, 1 passive, 2 detractors, NPS 0.
        foreach (var s in new[] { 5, 4, 3, 1 }) await RecordAsync(kit, li, new FeedbackInput { CustomerId = customer, Kind = FeedbackKind.Csat, Score = s, AnsweredAt = feb });
        foreach (var s in new[] { 10, 9, 8, 6, 0 }) await RecordAsync(kit, li, new FeedbackInput { CustomerId = other, Kind = FeedbackKind.Nps, Score = s, AnsweredAt = jan });
        // Wang: CSAT 5, 5, 4 -> average 4.67, all satisfied; NPS 10, 10, 7, 3 -> 2 promoters, 1 passive, 1 detractor, NPS 25.
        foreach (var s in new[] { 5, 5, 4 }) await RecordAsync(kit, wang, new FeedbackInput { CustomerId = customer, Kind = FeedbackKind.Csat, Score = s, AnsweredAt = feb });
        foreach (var s in new[] { 10, 10, 7, 3 }) await RecordAsync(kit, wang, new FeedbackInput { CustomerId = customer, Kind = FeedbackKind.Nps, Score = s, AnsweredAt = feb });
        var period = new Kith.Core.Analytics.AnalysisPeriod(new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc), new DateTime(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc));

        var byAgent = await kit.RunAsync<SummarizeFeedback, FeedbackSummary>(h => h.HandleAsync(li, period, FeedbackGrouping.Agent, Ct));
        var byMonth = await kit.RunAsync<SummarizeFeedback, FeedbackSummary>(h => h.HandleAsync(li, period, FeedbackGrouping.Month, Ct));

        var l = Assert.Single(byAgent.Groups, g => g.Label == "Li");
        Assert.Equal((4, 3.25, 50.0), (l.CsatCount, l.CsatAverage, l.CsatSatisfiedPercent));
        Assert.Equal((5, 2, 1, 2, 0.0), (l.NpsCount, l.Promoters, l.Passives, l.Detractors, l.Nps));
        var w = Assert.Single(byAgent.Groups, g => g.Label == "Wang");
        Assert.Equal((3, 4.67, 100.0), (w.CsatCount, w.CsatAverage, w.CsatSatisfiedPercent));
        Assert.Equal((4, 2, 1, 1, 25.0), (w.NpsCount, w.Promoters, w.Passives, w.Detractors, w.Nps));
        Assert.Equal((7, 3.86, 71.4, 9, 11.1), (byAgent.Total.CsatCount, byAgent.Total.CsatAverage, byAgent.Total.CsatSatisfiedPercent, byAgent.Total.NpsCount, byAgent.Total.Nps));
        Assert.Equal(["2026-01", "2026-02"], byMonth.Groups.Select(g => g.Key));
        Assert.Equal((0, 5, 0.0), (byMonth.Groups[0].CsatCount, byMonth.Groups[0].NpsCount, byMonth.Groups[0].Nps));
        Assert.Null(byMonth.Groups[0].CsatAverage);
        Assert.Equal((7, 4), (byMonth.Groups[1].CsatCount, byMonth.Groups[1].NpsCount));
        var csv = System.Text.Encoding.UTF8.GetString(await byAgent.Table().BytesAsync(Kith.Core.Exporting.ExportFormat.Csv, bom: true, Ct));
        Assert.Contains("Li,4,3.25,50,5,2,1,2,0", csv);
    }

    [Fact]
    public async Task Bad_answers_are_refused_naming_each_field_and_nothing_is_stored()
    {
        await using var kit = await MailboxKit.StartAsync();
        var (agentId, _) = await kit.UserAsync(Role.Agent, "Li");
        var agent = await kit.ScopeAsync(agentId);
        var customer = (await kit.CustomersAsync(agentId, ("Alice", "alice@example.com")))[0];

        var csat = await Assert.ThrowsAsync<RuleViolation>(() => RecordAsync(kit, agent, new FeedbackInput { CustomerId = customer, Kind = FeedbackKind.Csat, Score = 0, Comment = new string('x', 4001) }));
        var nps = await Assert.ThrowsAsync<RuleViolation>(() => RecordAsync(kit, agent, new FeedbackInput { CustomerId = customer, Kind = FeedbackKind.Nps, Score = 11, CommunicationId = 999, AgentId = 999 }));
        var none = await Assert.ThrowsAsync<RuleViolation>(() => RecordAsync(kit, agent, new FeedbackInput { CustomerId = customer, Score = 3 }));

        Assert.Equal(["comment", "score"], csat.Errors.Keys.Order());
        Assert.Contains("from 1 to 5", csat.Errors["score"][0]);
        Assert.Equal(["agentId", "communicationId", "score"], nps.Errors.Keys.Order());
        Assert.Contains("from 0 to 10", nps.Errors["score"][0]);
        Assert.Equal(["kind"], none.Errors.Keys);
        await using var db = kit.Database.Open();
        Assert.Equal(0, await db.Feedback.CountAsync(Ct));
    }

    [Fact]
    public async Task Feedback_follows_its_customers_reach_and_shows_on_the_timeline()
    {
        await using var kit = await MailboxKit.StartAsync();
        var (ownerId, _) = await kit.UserAsync(Role.Agent, "Li");
        var (strangerId, _) = await kit.UserAsync(Role.Agent, "Zhao");
        var owner = await kit.ScopeAsync(ownerId);
        var stranger = await kit.ScopeAsync(strangerId);
        var customer = (await kit.CustomersAsync(ownerId, ("Alice", "alice@example.com")))[0];
        long communicationId;
        await using (var db = kit.Database.Open())
        {
            var c = new Communication { CustomerId = customer, Channel = "phone", OccurredAt = DateTime.UtcNow, CreatedAt = DateTime.UtcNow, Subject = "Call" };
            db.Communications.Add(c);
            await db.SaveChangesAsync(Ct);
            communicationId = c.Id;
        }

        var saved = await RecordAsync(kit, owner, new FeedbackInput { CustomerId = customer, CommunicationId = communicationId, Kind = FeedbackKind.Csat, Score = 4, Comment = "Quick and kind" });

        await Assert.ThrowsAsync<NotFound>(() => RecordAsync(kit, stranger, new FeedbackInput { CustomerId = customer, Kind = FeedbackKind.Csat, Score = 1 }));
        await Assert.ThrowsAsync<NotFound>(() => kit.RunAsync<FeedbackQueries, FeedbackView>(q => q.GetAsync(stranger, saved.Id, Ct)));
        await Assert.ThrowsAsync<NotFound>(() => kit.RunAsync<FeedbackQueries, FeedbackPage>(q => q.ListAsync(stranger, new FeedbackFilter(customer), null, 10, Ct)));
        Assert.Empty((await kit.RunAsync<FeedbackQueries, FeedbackPage>(q => q.ListAsync(stranger, new FeedbackFilter(), null, 10, Ct))).Items);
        var theirs = await kit.RunAsync<SummarizeFeedback, FeedbackSummary>(h => h.HandleAsync(stranger, Period(), FeedbackGrouping.Agent, Ct));
        Assert.Equal(0, theirs.Total.CsatCount);
        var mine = await kit.RunAsync<FeedbackQueries, FeedbackPage>(q => q.ListAsync(owner, new FeedbackFilter(customer), null, 10, Ct));
        Assert.Equal((communicationId, "Li", FeedbackSource.Agent), (mine.Items.Single().CommunicationId, mine.Items.Single().AgentName, mine.Items.Single().Source));
        var timeline = await kit.RunAsync<CustomerTimeline, TimelinePage>(t => t.PageAsync(owner, customer, new TimelineFilter(Types: ["feedback"]), null, 10, Ct));
        var entry = Assert.Single(timeline.Items);
        Assert.Equal(("feedback", "csat", 4, "Quick and kind", "agent"), (entry.Type, entry.Title, entry.Score, entry.Text, entry.Action));
    }

    [Fact]
    public async Task A_survey_link_from_the_delivered_email_answers_once_and_only_its_hash_is_stored()
    {
        await using var kit = await MailboxKit.StartAsync();
        await using var smtp = new SmtpSink("kith@company.example", "smtp-pw");
        var (agentId, _) = await kit.UserAsync(Role.Agent, "Wang Fang");
        var agent = await kit.ScopeAsync(agentId);
        var customer = (await kit.CustomersAsync(agentId, ("陈静", "chen.jing@example.cn")))[0];
        await SystemMailKit.ConfigureAsync(kit, smtp.Port);

        var survey = await kit.RunAsync<SendSurvey, SurveyView>(h => h.HandleAsync(new SurveyInput { CustomerId = customer, Kind = FeedbackKind.Nps, Language = "zh-Hans" }, agent, Ct));

        var mail = Assert.Single(smtp.Messages);
        Assert.Equal("chen.jing@example.cn", mail.To.Mailboxes.Single().Address);
        Assert.Equal("您会向朋友推荐我们吗？", mail.Subject);
        var token = TestMail.SurveyToken(mail.TextBody!);
        Assert.Contains("?culture=zh-Hans", mail.TextBody);
        await using (var db = kit.Database.Open())
        {
            var stored = await db.FeedbackSurveys.SingleAsync(Ct);
            Assert.DoesNotContain(token, stored.TokenHash);
            Assert.Equal(64, stored.TokenHash.Length);
            Assert.Equal(survey.ExpiresAt, stored.SentAt.AddDays(30));
        }
        var open = await kit.RunAsync<AnswerSurvey, SurveyQuestion>(h => h.OpenAsync(token, Ct));
        Assert.Equal((SurveyState.Open, FeedbackKind.Nps, "zh-Hans"), (open.State, open.Kind, open.Language));
        var outOfScale = await Assert.ThrowsAsync<RuleViolation>(() => kit.RunAsync<AnswerSurvey, SurveyOutcome>(h => h.HandleAsync(token, 11, null, Ct)));
        Assert.Contains("score", outOfScale.Errors.Keys);

        var first = await kit.RunAsync<AnswerSurvey, SurveyOutcome>(h => h.HandleAsync(token, 9, "很好", Ct));
        var second = await kit.RunAsync<AnswerSurvey, SurveyOutcome>(h => h.HandleAsync(token, 0, "again", Ct));
        var guessed = await kit.RunAsync<AnswerSurvey, SurveyOutcome>(h => h.HandleAsync(token[..^1] + (token[^1] == 'A' ? "B" : "A"), 0, null, Ct));

        Assert.Equal(new SurveyOutcome(true, SurveyState.Answered), first);
        Assert.Equal(new SurveyOutcome(false, SurveyState.Answered), second);
        Assert.Equal(new SurveyOutcome(false, SurveyState.Unknown), guessed);
        var answers = await kit.RunAsync<FeedbackQueries, FeedbackPage>(q => q.ListAsync(agent, new FeedbackFilter(customer), null, 10, Ct));
        var answer = Assert.Single(answers.Items);
        Assert.Equal((9, "很好", FeedbackSource.Survey, agentId, survey.Id), (answer.Score, answer.Comment, answer.Source, answer.AgentId, answer.SurveyId));
        Assert.Equal(SurveyState.Answered, (await kit.RunAsync<AnswerSurvey, SurveyQuestion>(h => h.OpenAsync(token, Ct))).State);
    }

    [Fact]
    public async Task A_survey_link_expires_after_thirty_days_and_a_customer_without_email_cannot_be_asked()
    {
        await using var kit = await MailboxKit.StartAsync();
        await using var smtp = new SmtpSink("kith@company.example", "smtp-pw");
        var (agentId, _) = await kit.UserAsync(Role.Agent, "Li");
        var agent = await kit.ScopeAsync(agentId);
        var customer = (await kit.CustomersAsync(agentId, ("Alice", "alice@example.com")))[0];
        var (stranger, _) = await kit.UserAsync(Role.Agent, "Zhao");
        var send = (SurveyInput input, AccessScope scope) => kit.RunAsync<SendSurvey, SurveyView>(h => h.HandleAsync(input, scope, Ct));

        var unset = await Assert.ThrowsAsync<SystemMailUnavailable>(() => send(new SurveyInput { CustomerId = customer, Kind = FeedbackKind.Csat }, agent));
        Assert.Equal(409, unset.Status);
        await SystemMailKit.ConfigureAsync(kit, smtp.Port);
        await Assert.ThrowsAsync<NotFound>(async () => await send(new SurveyInput { CustomerId = customer, Kind = FeedbackKind.Csat }, await kit.ScopeAsync(stranger)));
        await using (var db = kit.Database.Open())
            await db.Customers.Where(c => c.Id == customer).ExecuteUpdateAsync(x => x.SetProperty(c => c.Email, (string?)null), Ct);
        var noEmail = await Assert.ThrowsAsync<RuleViolation>(() => send(new SurveyInput { CustomerId = customer, Kind = FeedbackKind.Csat, Language = "fr" }, agent));
        Assert.Equal(["customerId", "language"], noEmail.Errors.Keys.Order());
        Assert.Empty(smtp.Messages);
        await using (var db = kit.Database.Open())
            await db.Customers.Where(c => c.Id == customer).ExecuteUpdateAsync(x => x.SetProperty(c => c.Email, "alice@example.com"), Ct);

        await send(new SurveyInput { CustomerId = customer, Kind = FeedbackKind.Csat }, agent);
        var token = TestMail.SurveyToken(Assert.Single(smtp.Messages).TextBody!);
        kit.Clock.Advance(SendSurvey.Lifetime + TimeSpan.FromMinutes(1));

        Assert.Equal(SurveyState.Expired, (await kit.RunAsync<AnswerSurvey, SurveyQuestion>(h => h.OpenAsync(token, Ct))).State);
        Assert.Equal(new SurveyOutcome(false, SurveyState.Expired), await kit.RunAsync<AnswerSurvey, SurveyOutcome>(h => h.HandleAsync(token, 5, null, Ct)));
        await using var check = kit.Database.Open();
        Assert.Equal(0, await check.Feedback.CountAsync(Ct));
    }

    private static Kith.Core.Analytics.AnalysisPeriod Period() =>
        new(new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc), new DateTime(2100, 1, 1, 0, 0, 0, DateTimeKind.Utc));
}
