using Kith.Core.Communications;
using Kith.Core.Customers;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Core.Tasks;
using Kith.Core.Tests.Customers;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kith.Core.Tests.Communications;

public sealed class LogCommunicationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<LoggedCommunication> LogAsync(RecordKit kit, AccessScope scope, CommunicationInput input, string? key = null) =>
        kit.RunAsync(sp => sp.GetRequiredService<LogCommunication>().HandleAsync(input, scope, ActorKind.Api, key, Ct));

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task ALoggedCallStoresItsParticipantsSanitisedContentAndFollowUpTaskInOneGo(DatabaseProvider provider)
    {
        await using var kit = await RecordKit.StartAsync(provider);
        var agent = await kit.ScopeAsync(await kit.UserAsync(Role.Agent, "Li"));
        var colleague = await kit.UserAsync(Role.Agent, "Wu");
        var customer = await kit.CreateAsync(agent, new CustomerInput { Name = "张伟" });
        var other = await kit.CreateAsync(agent, new CustomerInput { Name = "Other" });

        var logged = await LogAsync(kit, agent, new CommunicationInput
        {
            CustomerId = customer.Id, Channel = "Phone", Direction = Direction.Outbound, DurationSeconds = 95, Subject = "报价",
            Content = "<p onclick=\"x()\">Hi <script>alert(1)</script><a href=\"javascript:alert(2)\">link</a></p>", ContentFormat = ContentFormat.Html,
            Outcome = "follow_up", ParticipantUserIds = [colleague], ParticipantCustomerIds = [other.Id],
            FollowUp = new TaskInput { Title = "Send the quote", DueAt = kit.Clock.GetUtcNow().AddDays(1) },
        });

        var c = logged.Communication;
        Assert.False(logged.Replayed);
        Assert.Equal("phone", c.Channel);
        Assert.DoesNotContain("script", c.Content);
        Assert.DoesNotContain("onclick", c.Content);
        Assert.DoesNotContain("javascript:", c.Content);
        Assert.Contains("Hi", c.Content);
        Assert.Equal(["user:" + agent.UserId, "user:" + colleague, "customer:" + other.Id], c.Participants.Select(p => $"{p.Kind}:{p.Id}"));
        Assert.NotNull(c.FollowUpTaskId);
        await using var db = kit.Database.Open();
        var task = await db.Tasks.SingleAsync(Ct);
        Assert.Equal((c.Id, customer.Id, agent.UserId), (task.CommunicationId!.Value, task.CustomerId!.Value, task.AssigneeId));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task TheSameIdempotencyKeyAnswersTheSameRecordAndADifferentBodyUnderItIsRefused(DatabaseProvider provider)
    {
        await using var kit = await RecordKit.StartAsync(provider);
        var agent = await kit.ScopeAsync(await kit.UserAsync(Role.Agent, "Li"));
        var customer = await kit.CreateAsync(agent, new CustomerInput { Name = "A" });
        var input = new CommunicationInput { CustomerId = customer.Id, Channel = "sms", Content = "hello" };

        var first = await LogAsync(kit, agent, input, "call-1");
        var again = await LogAsync(kit, agent, new CommunicationInput { CustomerId = customer.Id, Channel = "sms", Content = "hello" }, "call-1");
        var refused = await Assert.ThrowsAsync<RuleViolation>(() => LogAsync(kit, agent, new CommunicationInput { CustomerId = customer.Id, Channel = "sms", Content = "other" }, "call-1"));

        Assert.True(again.Replayed);
        Assert.Equal(first.Communication.Id, again.Communication.Id);
        Assert.Equal(422, refused.Status);
        await using var db = kit.Database.Open();
        Assert.Equal(1, await db.Communications.CountAsync(Ct));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task PrivateCommunicationsReachTheirParticipantsAndManagersButNotOtherAgentsOfTheTeam(DatabaseProvider provider)
    {
        await using var kit = await RecordKit.StartAsync(provider);
        var author = await kit.UserAsync(Role.Agent, "Author");
        var mate = await kit.UserAsync(Role.Agent, "Mate");
        var manager = await kit.UserAsync(Role.Manager, "Boss");
        var outsider = await kit.UserAsync(Role.Manager, "Elsewhere");
        await kit.TeamAsync(author, mate, manager);
        var scope = await kit.ScopeAsync(author);
        var customer = await kit.CreateAsync(scope, new CustomerInput { Name = "Shared" });
        var secret = await LogAsync(kit, scope, new CommunicationInput { CustomerId = customer.Id, Channel = "email", Visibility = CommunicationVisibility.Participants });
        var open = await LogAsync(kit, scope, new CommunicationInput { CustomerId = customer.Id, Channel = "phone" });

        async Task<bool> SeesAsync(long user, long id)
        {
            var s = await kit.ScopeAsync(user);
            try { await kit.RunAsync(sp => sp.GetRequiredService<CommunicationQueries>().GetAsync(s, id, Ct)); return true; }
            catch (NotFound) { return false; }
        }

        Assert.True(await SeesAsync(author, secret.Communication.Id));
        Assert.True(await SeesAsync(manager, secret.Communication.Id));
        Assert.False(await SeesAsync(mate, secret.Communication.Id));
        Assert.False(await SeesAsync(outsider, secret.Communication.Id));
        Assert.True(await SeesAsync(mate, open.Communication.Id));
        Assert.False(await SeesAsync(outsider, open.Communication.Id));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task MailSyncRecordsByExternalIdOnceWithoutAUsersReach(DatabaseProvider provider)
    {
        await using var kit = await RecordKit.StartAsync(provider);
        var owner = await kit.UserAsync(Role.Agent, "Owner");
        var customer = await kit.CreateAsync(await kit.ScopeAsync(owner), new CustomerInput { Name = "Mail" });
        var input = new CommunicationInput
        {
            CustomerId = customer.Id, Channel = "email", Direction = Direction.Inbound, Subject = "Re: order", Content = "<b>hi</b><img src=x onerror=y>",
            ContentFormat = ContentFormat.Html, Visibility = CommunicationVisibility.Participants, ParticipantUserIds = [owner], ExternalId = "email:<abc@example.com>",
        };
        var first = await kit.RunAsync(sp => sp.GetRequiredService<LogCommunication>().RecordAsync(input, Actor.System, Ct));
        var second = await kit.RunAsync(sp => sp.GetRequiredService<LogCommunication>().RecordAsync(input, Actor.System, Ct));

        Assert.Equal(first.Id, second.Id);
        Assert.DoesNotContain("onerror", first.Content);
        Assert.Equal(["user:" + owner], first.Participants.Select(p => $"{p.Kind}:{p.Id}"));
    }
}
