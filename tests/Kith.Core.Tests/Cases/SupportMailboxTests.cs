using Kith.Core.Cases;
using Kith.Core.Communications;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Core.Mail;
using Kith.Core.Tests.Mail;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Tests.Cases;

/// <summary>Email to a support address, read from a real Dovecot: it opens cases and replies in the thread continue them.</summary>
public sealed class SupportMailboxTests(Dovecot dovecot)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task MailToASupportAddressOpensACaseForItsSenderAndRepliesInTheThreadContinueAndReopenIt(DatabaseProvider provider)
    {
        var (user, password) = await dovecot.CreateUserAsync();
        await using var kit = await MailboxKit.StartAsync(provider);
        var (agentId, _) = await kit.UserAsync(Role.Agent, "Agent");
        var agent = await kit.ScopeAsync(agentId);
        var alice = (await kit.CustomersAsync(agentId, ("Alice Chen", "alice@customer.example")))[0];
        var box = await kit.RunAsync<ConnectMailbox, MailboxView>(h => h.HandleAsync(new MailboxInput
        {
            Name = "Support", Address = "support@work.example", ImapHost = dovecot.Host, ImapPort = dovecot.Port, ImapSecurity = MailSecurity.None, ImapUser = user,
            SmtpHost = "127.0.0.1", SmtpPort = 25, SmtpSecurity = MailSecurity.None, Password = password, IsSupportAddress = true,
        }, agent, null, Ct));
        Assert.True(box.IsSupportAddress);
        var now = kit.Clock.GetUtcNow();
        var stranger = TestMail.Message("New Person <newbie@elsewhere.example>", "support@work.example", "Cannot log in", "Help!", "root1@elsewhere.example");
        var order = TestMail.Message("alice@customer.example", "support@work.example", "Order missing", "Where is it?", "root2@customer.example");
        stranger.Date = order.Date = now.AddMinutes(-10);
        await dovecot.AppendAsync(user, password, false, stranger, order);

        var first = await kit.SyncAsync(box.Id);

        Assert.Equal((2, 0), (first.Imported, first.Skipped["noKnownCustomer"]));
        long orderCase;
        await using (var db = kit.Database.Open())
        {
            var newbie = await db.Customers.SingleAsync(c => c.Email == "newbie@elsewhere.example", Ct);
            Assert.Equal(("New Person", agentId, "email"), (newbie.Name, newbie.OwnerId, newbie.Source));
            var cases = await db.Cases.OrderBy(c => c.Subject).ToListAsync(Ct);
            Assert.Equal(["Cannot log in", "Order missing"], cases.Select(c => c.Subject));
            Assert.Equal([newbie.Id, alice], cases.Select(c => c.CustomerId));
            Assert.All(cases, c => Assert.Equal((CaseStatus.Open, ActorKind.System), (c.Status, c.CreatedByKind)));
            Assert.Equal(now.UtcDateTime.AddHours(24), cases[1].DueAt);
            orderCase = cases[1].Id;
        }

        var reply = TestMail.Message("support@work.example", "alice@customer.example", "Re: Order missing", "It left today.", "reply2@work.example");
        reply.InReplyTo = "root2@customer.example";
        reply.References.Add("root2@customer.example");
        reply.Date = now.AddMinutes(30);
        await dovecot.AppendAsync(user, password, true, reply);
        await kit.SyncAsync(box.Id);

        var answered = await kit.RunAsync<CaseQueries, CaseDetail>(q => q.GetAsync(agent, orderCase, Ct));
        Assert.Equal((2, now.UtcDateTime.AddMinutes(30), 30), (answered.Communications.Count, answered.FirstRespondedAt, answered.FirstResponseMinutes));
        Assert.Equal(Direction.Outbound, answered.Communications[^1].Direction);
        await kit.RunAsync<UpdateCase, CaseDetail>(h => h.MoveAsync(orderCase, CaseStatus.Resolved, agent, ActorKind.User, Ct));

        var again = TestMail.Message("alice@customer.example", "support@work.example", "Re: Order missing", "Still nothing.", "again2@customer.example");
        again.InReplyTo = "reply2@work.example";
        again.References.Add("root2@customer.example");
        again.References.Add("reply2@work.example");
        await dovecot.AppendAsync(user, password, false, again);
        await kit.SyncAsync(box.Id);
        // Read from scratch: nothing doubles, no case is opened twice.
        await using (var db = kit.Database.Open()) await db.MailboxFolders.ExecuteDeleteAsync(Ct);
        await kit.SyncAsync(box.Id);

        var reopened = await kit.RunAsync<CaseQueries, CaseDetail>(q => q.GetAsync(agent, orderCase, Ct));
        Assert.Equal((CaseStatus.Open, null, 3), (reopened.Status, reopened.ResolvedAt, reopened.Communications.Count));
        Assert.Contains(reopened.History, h => h is { Field: "status", OldValue: "resolved", NewValue: "open", Actor.Kind: ActorKind.System });
        await using (var db = kit.Database.Open())
        {
            Assert.Equal(2, await db.Cases.CountAsync(Ct));
            Assert.Equal(4, await db.CaseCommunications.CountAsync(Ct));
        }
    }
}
