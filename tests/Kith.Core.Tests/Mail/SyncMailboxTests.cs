using System.Diagnostics;
using Kith.Core.Communications;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Core.Mail;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Tests.Mail;

/// <summary>Sync against a real Dovecot: what lands on which timeline, what is skipped and why, and that nothing is doubled or lost.</summary>
public sealed class SyncMailboxTests(Dovecot dovecot)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Inbox_and_sent_mail_lands_on_the_timelines_of_the_customers_whose_addresses_appear(DatabaseProvider provider)
    {
        var (user, password) = await dovecot.CreateUserAsync();
        await using var kit = await MailboxKit.StartAsync(provider);
        var (agentId, _) = await kit.UserAsync(Role.Agent, "Agent");
        var agent = await kit.ScopeAsync(agentId);
        var ids = await kit.CustomersAsync(agentId, ("Alice Chen", "alice@customer.example"), ("Bob Li", "Bob@Customer.example"));
        var box = await kit.ConnectAsync(agent, dovecot, user, password, "me@work.example");

        await dovecot.AppendAsync(user, password, sent: false,
            TestMail.Message("Alice Chen <ALICE@customer.example>", "me@work.example", "Order 42", "Where is my order?", "order42@customer.example"),
            TestMail.Message("stranger@elsewhere.example", "me@work.example", "Hello", "Spam?"),
            TestMail.Message("bob@customer.example", "me@work.example", "Brochure", "", "brochure@customer.example",
                html: "<p>See <a href=\"https://example.com/b\">the brochure</a></p><script>alert(1)</script><img src=x onerror=alert(2)>"));
        await dovecot.AppendAsync(user, password, sent: true,
            TestMail.Message("me@work.example", "alice@customer.example", "Re: Order 42", "It ships today.", "reply42@work.example"));

        var run = await kit.SyncAsync(box.Id);

        Assert.Equal(MailSyncOutcome.Succeeded, run.Outcome);
        Assert.Equal(4, run.Seen);
        Assert.Equal(3, run.Imported);
        Assert.Equal(1, run.Skipped["noKnownCustomer"]);
        Assert.Equal(0, run.Dropped);
        await using var db = kit.Database.Open();
        var alice = await db.Communications.Where(c => c.CustomerId == ids[0]).OrderBy(c => c.Subject).ToListAsync(Ct);
        Assert.Equal(["Order 42", "Re: Order 42"], alice.Select(c => c.Subject));
        Assert.All(alice, c => Assert.Equal("email", c.Channel));
        Assert.Equal(Direction.Inbound, alice[0].Direction);
        Assert.Equal("Where is my order?", alice[0].Content);
        Assert.Equal(Direction.Outbound, alice[1].Direction);
        var brochure = await db.EmailMessages.SingleAsync(m => m.MessageId == "brochure@customer.example", Ct);
        Assert.DoesNotContain("script", brochure.HtmlBody);
        Assert.DoesNotContain("onerror", brochure.HtmlBody);
        Assert.Contains("href=\"https://example.com/b\"", brochure.HtmlBody);
        var bobs = await db.Communications.SingleAsync(c => c.CustomerId == ids[1], Ct);
        Assert.Equal("See the brochure (https://example.com/b)", bobs.Content);
        var view = await kit.ViewAsync(agent, box.Id);
        Assert.Equal(MailboxHealth.Healthy, view.Status.Health);
    }

    [Fact]
    public async Task Syncing_again_or_from_scratch_stores_nothing_twice()
    {
        var (user, password) = await dovecot.CreateUserAsync();
        await using var kit = await MailboxKit.StartAsync();
        var (agentId, _) = await kit.UserAsync(Role.Agent, "Agent");
        var agent = await kit.ScopeAsync(agentId);
        await kit.CustomersAsync(agentId, ("Alice", "alice@customer.example"));
        var box = await kit.ConnectAsync(agent, dovecot, user, password, "me@work.example");
        await dovecot.AppendAsync(user, password, false,
            Enumerable.Range(1, 5).Select(i => TestMail.Message("alice@customer.example", "me@work.example", $"Note {i}", "text")).ToArray());
        // The same message in the inbox and in the sent folder (a mail to oneself with the customer in copy).
        var both = TestMail.Message("me@work.example", "me@work.example", "Both", "text", "both@work.example", cc: "alice@customer.example");
        await dovecot.AppendAsync(user, password, false, both);
        await dovecot.AppendAsync(user, password, true, both);

        var first = await kit.SyncAsync(box.Id);
        var second = await kit.SyncAsync(box.Id);
        await using (var db = kit.Database.Open())
        {
            // As after a UIDVALIDITY change or a lost sync state: every message is read again.
            await db.MailboxFolders.ExecuteDeleteAsync(Ct);
        }
        var third = await kit.SyncAsync(box.Id);

        Assert.Equal((7, 6, 1), (first.Seen, first.Imported, first.AlreadyStored));
        Assert.Equal((0, 0), (second.Seen, second.Imported));
        Assert.Equal((7, 0, 7), (third.Seen, third.Imported, third.AlreadyStored));
        Assert.Equal((6, 6, 6), await kit.CountsAsync());
    }

    [Fact]
    public async Task Replies_share_the_thread_of_the_message_they_answer_and_a_message_to_two_customers_reaches_both()
    {
        var (user, password) = await dovecot.CreateUserAsync();
        await using var kit = await MailboxKit.StartAsync();
        var (agentId, _) = await kit.UserAsync(Role.Agent, "Agent");
        var agent = await kit.ScopeAsync(agentId);
        var ids = await kit.CustomersAsync(agentId, ("Alice", "alice@customer.example"), ("Carol", "carol@customer.example"));
        var box = await kit.ConnectAsync(agent, dovecot, user, password, "me@work.example");
        var root = TestMail.Message("alice@customer.example", "me@work.example", "Quote", "Please quote", "root@customer.example", cc: "carol@customer.example");
        var reply = TestMail.Message("me@work.example", "alice@customer.example", "Re: Quote", "Here it is", "r1@work.example");
        reply.InReplyTo = "root@customer.example";
        reply.References.Add("root@customer.example");
        var again = TestMail.Message("alice@customer.example", "me@work.example", "Re: Quote", "Thanks", "r2@customer.example");
        again.InReplyTo = "r1@work.example";
        again.References.Add("root@customer.example");
        again.References.Add("r1@work.example");
        await dovecot.AppendAsync(user, password, false, root, again);
        await dovecot.AppendAsync(user, password, true, reply);

        await kit.SyncAsync(box.Id);

        await using var db = kit.Database.Open();
        var messages = await db.EmailMessages.OrderBy(m => m.SentAt).ThenBy(m => m.Id).ToListAsync(Ct);
        Assert.Equal(3, messages.Count);
        Assert.All(messages, m => Assert.Equal("root@customer.example", m.ThreadKey));
        Assert.Equal("r1@work.example", messages.Single(m => m.MessageId == "r2@customer.example").InReplyTo);
        var rootId = messages.Single(m => m.MessageId == "root@customer.example").Id;
        var rootLinks = await db.EmailLinks.Where(l => l.EmailMessageId == rootId).ToListAsync(Ct);
        Assert.Equal(ids.Order(), rootLinks.Select(l => l.CustomerId).Order());
    }

    [Fact]
    public async Task A_wrong_password_fails_the_sync_with_a_clear_error_on_the_mailbox_status()
    {
        var (user, _) = await dovecot.CreateUserAsync();
        await using var kit = await MailboxKit.StartAsync();
        var (agentId, _) = await kit.UserAsync(Role.Agent, "Agent");
        var agent = await kit.ScopeAsync(agentId);
        var box = await kit.ConnectAsync(agent, dovecot, user, "not-the-password", "me@work.example");

        var run = await kit.SyncAsync(box.Id);

        Assert.Equal(MailSyncOutcome.Failed, run.Outcome);
        var view = await kit.ViewAsync(agent, box.Id);
        Assert.Equal(MailboxHealth.Failing, view.Status.Health);
        Assert.Contains("refused the user name or password", view.Status.Message);
        Assert.Equal(1, view.LastRun!.Errors);
    }

    [Fact]
    public async Task A_connection_dropped_mid_sync_fails_the_run_and_the_next_run_resumes_with_nothing_lost_or_doubled()
    {
        const int total = 1_500;
        var (user, password) = await dovecot.CreateUserAsync();
        await using var kit = await MailboxKit.StartAsync();
        var (agentId, _) = await kit.UserAsync(Role.Agent, "Agent");
        var agent = await kit.ScopeAsync(agentId);
        await kit.CustomersAsync(agentId, [.. Enumerable.Range(0, 50).Select(i => ($"C{i}", $"c{i}@customer.example"))]);
        await dovecot.WriteMaildirAsync(user, Enumerable.Range(0, total).Select(i =>
            TestMail.Raw($"c{i % 50}@customer.example", "me@work.example", $"Message {i}", $"m{i}@customer.example", new string('x', 400))));
        await using var proxy = new CuttingProxy(dovecot.Port) { CutAfter = 400_000 };
        var box = await kit.ConnectAsync(agent, dovecot, user, password, "me@work.example", imapPort: proxy.Port);

        var cut = await kit.SyncAsync(box.Id);
        var afterCut = await kit.CountsAsync();
        var status = (await kit.ViewAsync(agent, box.Id)).Status;
        proxy.CutAfter = null;
        var resumed = await kit.SyncAsync(box.Id);

        Assert.True(proxy.Cut);
        Assert.Equal(MailSyncOutcome.Failed, cut.Outcome);
        Assert.Contains("was lost", cut.ErrorMessage);
        Assert.Equal(MailboxHealth.Failing, status.Health);
        Assert.InRange(afterCut.Messages, SyncMailbox.BatchSize, total - 1);
        Assert.Equal(afterCut.Messages, cut.Imported);
        Assert.Equal(MailSyncOutcome.Succeeded, resumed.Outcome);
        Assert.Equal(total, cut.Imported + resumed.Imported);
        Assert.Equal((total, total, total), await kit.CountsAsync());
        Assert.Equal(MailboxHealth.Healthy, (await kit.ViewAsync(agent, box.Id)).Status.Health);
    }

    [Fact]
    public async Task A_mailbox_of_ten_thousand_messages_syncs_in_one_run_and_resyncs_to_nothing()
    {
        const int total = 10_000;
        var (user, password) = await dovecot.CreateUserAsync();
        await using var kit = await MailboxKit.StartAsync();
        var (agentId, _) = await kit.UserAsync(Role.Agent, "Agent");
        var agent = await kit.ScopeAsync(agentId);
        await kit.CustomersAsync(agentId, [.. Enumerable.Range(0, 200).Select(i => ($"C{i}", $"c{i}@customer.example"))]);
        // Half from customers, half from addresses Kith does not know.
        await dovecot.WriteMaildirAsync(user, Enumerable.Range(0, total).Select(i =>
            TestMail.Raw(i % 2 == 0 ? $"c{i % 200}@customer.example" : $"n{i}@unknown.example", "me@work.example", $"Message {i}", $"big{i}@example.test", "Hello")));
        var box = await kit.ConnectAsync(agent, dovecot, user, password, "me@work.example");

        var clock = Stopwatch.StartNew();
        var run = await kit.SyncAsync(box.Id);
        var first = clock.Elapsed;
        clock.Restart();
        var again = await kit.SyncAsync(box.Id);
        var second = clock.Elapsed;

        Assert.Equal(MailSyncOutcome.Succeeded, run.Outcome);
        Assert.Equal((total, total / 2, total / 2), (run.Seen, run.Imported, run.Skipped["noKnownCustomer"]));
        Assert.Equal((0, 0), (again.Seen, again.Imported));
        Assert.Equal((total / 2, total / 2, total / 2), await kit.CountsAsync());
        TestContext.Current.TestOutputHelper?.WriteLine($"[mail-bench] 10,000-message mailbox: first sync {first.TotalSeconds:F1} s, resync {second.TotalSeconds:F2} s");
    }
}
