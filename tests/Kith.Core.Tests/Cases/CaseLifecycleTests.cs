using Kith.Core.Cases;
using Kith.Core.Communications;
using Kith.Core.Customers;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Core.Tests.Customers;
using Kith.Core.Timeline;
using Kith.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Kith.Core.Tests.Cases;

public sealed class CaseLifecycleTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<CaseDetail> OpenAsync(RecordKit kit, AccessScope scope, CaseInput input) =>
        kit.RunAsync(sp => sp.GetRequiredService<OpenCase>().HandleAsync(input, scope, ActorKind.User, Ct));

    private static Task<CaseDetail> MoveAsync(RecordKit kit, AccessScope scope, long id, CaseStatus to) =>
        kit.RunAsync(sp => sp.GetRequiredService<UpdateCase>().MoveAsync(id, to, scope, ActorKind.User, Ct));

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task TheSlaDueTimeFollowsThePriorityAndTheTargetsAnAdminSetsAndAnOverdueCaseIsBreached(DatabaseProvider provider)
    {
        await using var kit = await RecordKit.StartAsync(provider);
        var admin = await kit.ScopeAsync(await kit.UserAsync(Role.Admin, "Wang"));
        var agent = await kit.ScopeAsync(await kit.UserAsync(Role.Agent, "Li"));
        var customer = await kit.CreateAsync(admin, new CustomerInput { Name = "C" });
        var opened = kit.Clock.GetUtcNow().UtcDateTime;

        var urgent = await OpenAsync(kit, admin, new CaseInput { Subject = "Down", CustomerId = customer.Id, Priority = CasePriority.Urgent });
        var normal = await OpenAsync(kit, admin, new CaseInput { Subject = "Question", CustomerId = customer.Id });
        Assert.Equal((opened.AddHours(4), CasePriority.Urgent), (urgent.DueAt, urgent.Priority));
        Assert.Equal((opened.AddHours(24), CasePriority.Normal), (normal.DueAt, normal.Priority));
        Assert.Equal(urgent.Id + 1000, urgent.Number);

        await Assert.ThrowsAsync<Forbidden>(() => kit.RunAsync(sp => sp.GetRequiredService<CaseSlaTargets>().UpdateAsync(new SlaTargets(1, 2, 3, 4), agent, Ct)));
        var bad = await Assert.ThrowsAsync<RuleViolation>(() => kit.RunAsync(sp => sp.GetRequiredService<CaseSlaTargets>().UpdateAsync(new SlaTargets(2, 8, 0, 72), admin, Ct)));
        Assert.Equal(["normalHours"], bad.Errors.Keys);
        await kit.RunAsync(sp => sp.GetRequiredService<CaseSlaTargets>().UpdateAsync(new SlaTargets(2, 6, 12, 48), admin, Ct));
        Assert.Equal(new SlaTargets(2, 6, 12, 48), await kit.RunAsync(sp => sp.GetRequiredService<CaseSlaTargets>().GetAsync(Ct)));

        kit.Clock.Advance(TimeSpan.FromHours(1));
        // A case already open keeps the due time it was given; a new priority takes the new target from when it was opened.
        Assert.Equal(opened.AddHours(4), (await kit.RunAsync(sp => sp.GetRequiredService<CaseQueries>().GetAsync(admin, urgent.Id, Ct))).DueAt);
        var lowered = await kit.RunAsync(sp => sp.GetRequiredService<UpdateCase>().HandleAsync(normal.Id,
            new CaseInput { Subject = "Question", CustomerId = customer.Id, Priority = CasePriority.Low }, admin, ActorKind.User, Ct));
        Assert.Equal(opened.AddHours(48), lowered.DueAt);
        var later = await OpenAsync(kit, admin, new CaseInput { Subject = "Later", CustomerId = customer.Id, Priority = CasePriority.Urgent });
        Assert.Equal(kit.Clock.GetUtcNow().UtcDateTime.AddHours(2), later.DueAt);

        kit.Clock.Advance(TimeSpan.FromHours(4));
        var breached = await kit.RunAsync(sp => sp.GetRequiredService<CaseQueries>().ListAsync(admin, new CaseFilter(Breached: true), null, 50, Ct));
        Assert.Equal([later.Id, urgent.Id], breached.Items.Select(c => c.Id));
        Assert.All(breached.Items, c => Assert.True(c.Breached));
        var onTime = await kit.RunAsync(sp => sp.GetRequiredService<CaseQueries>().ListAsync(admin, new CaseFilter(Breached: false), null, 50, Ct));
        Assert.Equal([normal.Id], onTime.Items.Select(c => c.Id));
        // Resolved in time stays on time however long ago that was.
        await MoveAsync(kit, admin, normal.Id, CaseStatus.Resolved);
        kit.Clock.Advance(TimeSpan.FromDays(30));
        Assert.False((await kit.RunAsync(sp => sp.GetRequiredService<CaseQueries>().GetAsync(admin, normal.Id, Ct))).Breached);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task StatusMovesStampResolvedAndClosedTimesAreRecordedInHistoryAndAClosedCaseIsFinal(DatabaseProvider provider)
    {
        await using var kit = await RecordKit.StartAsync(provider);
        var agent = await kit.ScopeAsync(await kit.UserAsync(Role.Agent, "Li"));
        var customer = await kit.CreateAsync(agent, new CustomerInput { Name = "C" });
        var c = await OpenAsync(kit, agent, new CaseInput { Subject = "Refund", CustomerId = customer.Id, AssigneeId = agent.UserId });
        Assert.Equal((CaseStatus.Open, agent.UserId), (c.Status, c.AssigneeId));

        Assert.Equal(CaseStatus.Pending, (await MoveAsync(kit, agent, c.Id, CaseStatus.Pending)).Status);
        kit.Clock.Advance(TimeSpan.FromHours(2));
        var resolved = await MoveAsync(kit, agent, c.Id, CaseStatus.Resolved);
        Assert.Equal(kit.Clock.GetUtcNow().UtcDateTime, resolved.ResolvedAt);
        var pendingAgain = await Assert.ThrowsAsync<RuleViolation>(() => MoveAsync(kit, agent, c.Id, CaseStatus.Pending));
        Assert.Equal(["status"], pendingAgain.Errors.Keys);
        var reopened = await MoveAsync(kit, agent, c.Id, CaseStatus.Open);
        Assert.Null(reopened.ResolvedAt);
        kit.Clock.Advance(TimeSpan.FromHours(1));
        var closed = await MoveAsync(kit, agent, c.Id, CaseStatus.Closed);
        Assert.Equal((kit.Clock.GetUtcNow().UtcDateTime, kit.Clock.GetUtcNow().UtcDateTime), (closed.ResolvedAt, closed.ClosedAt));
        var final = await Assert.ThrowsAsync<RuleViolation>(() => MoveAsync(kit, agent, c.Id, CaseStatus.Open));
        Assert.Contains("closed case", final.Errors["status"][0]);

        var statusChanges = closed.History.Where(h => h.Field == "status").Reverse().Select(h => $"{h.OldValue}>{h.NewValue}");
        Assert.Equal(["open>pending", "pending>resolved", "resolved>open", "open>closed"], statusChanges);
        Assert.Contains(closed.History, h => h.Action == Kith.Core.History.ChangeAction.Created);
        Assert.All(CaseRulesMatrix(), m => Assert.Equal(m.Allowed, CaseRules.CanMove(m.From, m.To)));
    }

    private static IEnumerable<(CaseStatus From, CaseStatus To, bool Allowed)> CaseRulesMatrix() =>
    [
        (CaseStatus.Open, CaseStatus.Closed, true), (CaseStatus.Pending, CaseStatus.Open, true), (CaseStatus.Resolved, CaseStatus.Closed, true),
        (CaseStatus.Resolved, CaseStatus.Pending, false), (CaseStatus.Closed, CaseStatus.Resolved, false), (CaseStatus.Closed, CaseStatus.Closed, true),
    ];

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task ACaseOnACustomerOutOfReachIsNotFoundAndCannotBeOpenedAssignedOrLinked(DatabaseProvider provider)
    {
        await using var kit = await RecordKit.StartAsync(provider);
        var li = await kit.ScopeAsync(await kit.UserAsync(Role.Agent, "Li"));
        var zhao = await kit.ScopeAsync(await kit.UserAsync(Role.Agent, "Zhao"));
        var mine = await kit.CreateAsync(li, new CustomerInput { Name = "Mine" });
        var theirs = await kit.CreateAsync(zhao, new CustomerInput { Name = "Theirs" });
        var c = await OpenAsync(kit, li, new CaseInput { Subject = "Mine", CustomerId = mine.Id });

        await Assert.ThrowsAsync<NotFound>(() => kit.RunAsync(sp => sp.GetRequiredService<CaseQueries>().GetAsync(zhao, c.Id, Ct)));
        await Assert.ThrowsAsync<NotFound>(() => MoveAsync(kit, zhao, c.Id, CaseStatus.Resolved));
        Assert.Empty((await kit.RunAsync(sp => sp.GetRequiredService<CaseQueries>().ListAsync(zhao, new CaseFilter(), null, 50, Ct))).Items);
        var outOfReach = await Assert.ThrowsAsync<RuleViolation>(() => OpenAsync(kit, li, new CaseInput { Subject = "x", CustomerId = theirs.Id }));
        Assert.Equal(["customerId"], outOfReach.Errors.Keys);
        var empty = await Assert.ThrowsAsync<RuleViolation>(() => OpenAsync(kit, li, new CaseInput { Subject = " " }));
        Assert.Equal(["customerId", "subject"], empty.Errors.Keys.Order());
        var assign = await Assert.ThrowsAsync<RuleViolation>(() => OpenAsync(kit, li, new CaseInput { Subject = "x", CustomerId = mine.Id, AssigneeId = zhao.UserId }));
        Assert.Equal(["assigneeId"], assign.Errors.Keys);

        var theirCall = await kit.RunAsync(sp => sp.GetRequiredService<LogCommunication>().HandleAsync(
            new CommunicationInput { CustomerId = theirs.Id, Channel = "phone" }, zhao, ActorKind.User, null, Ct));
        var link = await Assert.ThrowsAsync<RuleViolation>(() => kit.RunAsync(sp => sp.GetRequiredService<LinkCaseCommunication>()
            .HandleAsync(c.Id, new CaseLinkInput { CommunicationId = theirCall.Communication.Id }, li, Ct)));
        Assert.Equal(["communicationId"], link.Errors.Keys);
        await Assert.ThrowsAsync<NotFound>(() => kit.RunAsync(sp => sp.GetRequiredService<OpenCase>()
            .FromCommunicationAsync(theirCall.Communication.Id, new CaseFromCommunicationInput(), li, ActorKind.User, Ct)));
        Assert.Equal(1, await kit.RunAsync(async sp => await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.CountAsync(sp.GetRequiredService<KithDb>().Cases, Ct)));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task ACommunicationBecomesACaseALaterOneIsLinkedAReplyIsTheFirstResponseAndTheCaseIsOnTheTimeline(DatabaseProvider provider)
    {
        await using var kit = await RecordKit.StartAsync(provider);
        var agent = await kit.ScopeAsync(await kit.UserAsync(Role.Agent, "Li"));
        var customer = await kit.CreateAsync(agent, new CustomerInput { Name = "C" });
        Task<LoggedCommunication> Log(string subject, Direction direction) => kit.RunAsync(sp => sp.GetRequiredService<LogCommunication>().HandleAsync(
            new CommunicationInput { CustomerId = customer.Id, Channel = "phone", Direction = direction, Subject = subject, Content = "..." }, agent, ActorKind.User, null, Ct));
        var call = await Log("Broken screen", Direction.Inbound);

        var c = await kit.RunAsync(sp => sp.GetRequiredService<OpenCase>().FromCommunicationAsync(call.Communication.Id,
            new CaseFromCommunicationInput { Priority = CasePriority.High }, agent, ActorKind.User, Ct));
        Assert.Equal(("Broken screen", customer.Id), (c.Subject, c.CustomerId));
        Assert.Equal([call.Communication.Id], c.Communications.Select(m => m.Id));
        var twice = await Assert.ThrowsAsync<RuleViolation>(() => kit.RunAsync(sp => sp.GetRequiredService<OpenCase>()
            .FromCommunicationAsync(call.Communication.Id, new CaseFromCommunicationInput(), agent, ActorKind.User, Ct)));
        Assert.Equal(409, twice.Status);

        kit.Clock.Advance(TimeSpan.FromMinutes(30));
        var followUp = await Log("Photos of the screen", Direction.Inbound);
        var linked = await kit.RunAsync(sp => sp.GetRequiredService<LinkCaseCommunication>().HandleAsync(c.Id, new CaseLinkInput { CommunicationId = followUp.Communication.Id }, agent, Ct));
        Assert.Equal(2, linked.Communications.Count);
        Assert.Null(linked.FirstRespondedAt);

        kit.Clock.Advance(TimeSpan.FromMinutes(15));
        var replied = await kit.RunAsync(sp => sp.GetRequiredService<ReplyToCase>().HandleAsync(c.Id,
            new CaseReplyInput { Content = "A courier picks it up tomorrow.", Status = CaseStatus.Pending }, agent, ActorKind.User, Ct));
        Assert.Equal((45, CaseStatus.Pending, 3), (replied.FirstResponseMinutes, replied.Status, replied.Communications.Count));
        Assert.Equal((Direction.Outbound, "Re: Broken screen"), (replied.Communications[^1].Direction, replied.Communications[^1].Subject));
        var noContent = await Assert.ThrowsAsync<RuleViolation>(() => kit.RunAsync(sp => sp.GetRequiredService<ReplyToCase>().HandleAsync(c.Id, new CaseReplyInput(), agent, ActorKind.User, Ct)));
        Assert.Equal(["content"], noContent.Errors.Keys);

        var ofCall = await kit.RunAsync(sp => sp.GetRequiredService<CaseQueries>().ForCommunicationAsync(agent, followUp.Communication.Id, Ct));
        Assert.Equal(c.Id, ofCall!.Id);
        var timeline = await kit.RunAsync(sp => sp.GetRequiredService<CustomerTimeline>().PageAsync(agent, customer.Id, new TimelineFilter(Types: ["case"]), null, 50, Ct));
        var entry = Assert.Single(timeline.Items);
        Assert.Equal(("case", c.Number, "pending", "high"), (entry.Type, entry.Number, entry.State, entry.Priority));
    }
}
