using Kith.Core.Communications;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Core.Mail;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Tests.Mail;

/// <summary>Sending through a real SMTP server (SmtpServer in-process): what leaves, what is recorded, what is refused.</summary>
public sealed class SendEmailTests(Dovecot dovecot)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed record Setup(MailboxKit Kit, AccessScope Agent, long CustomerId, MailboxView Box, SmtpSink Smtp) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Smtp.DisposeAsync();
            await Kit.DisposeAsync();
        }

        public Task<EmailItem> SendAsync(SendEmailInput input) =>
            Kit.RunAsync<SendEmail, EmailItem>(h => h.HandleAsync(CustomerId, input, Agent, ActorKind.User, Ct));
    }

    private async Task<Setup> StartAsync(string customerName = "Alice Chen", string smtpPassword = "smtp-secret", (string User, string Password)? imap = null)
    {
        var kit = await MailboxKit.StartAsync();
        var (agentId, _) = await kit.UserAsync(Role.Agent, "Wang Fang");
        var agent = await kit.ScopeAsync(agentId);
        var ids = await kit.CustomersAsync(agentId, (customerName, "alice@customer.example"));
        await using (var db = kit.Database.Open())
        {
            var company = new Kith.Core.Companies.Company { Name = "Acme 有限公司", OwnerId = agentId, CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow };
            db.Companies.Add(company);
            await db.SaveChangesAsync(Ct);
            await db.Customers.Where(c => c.Id == ids[0]).ExecuteUpdateAsync(x => x.SetProperty(c => c.CompanyId, company.Id), Ct);
        }
        // One login serves IMAP and SMTP, as with a real provider.
        var login = imap ?? ("me@work.example", "smtp-secret");
        var smtp = new SmtpSink(login.User, login.Password);
        var box = await kit.RunAsync<ConnectMailbox, MailboxView>(h => h.HandleAsync(new MailboxInput
        {
            Name = "Work", Address = "me@work.example", ImapHost = "127.0.0.1", ImapPort = imap is null ? 1 : dovecot.Port, ImapSecurity = MailSecurity.None,
            ImapUser = login.User, SmtpHost = "127.0.0.1", SmtpPort = smtp.Port, SmtpSecurity = MailSecurity.None,
            Password = imap is null ? smtpPassword : login.Password,
        }, agent, null, Ct));
        return new Setup(kit, agent, ids[0], box, smtp);
    }
    [Fact]
    public async Task A_template_in_chinese_is_merged_sent_through_smtp_and_recorded_as_an_outbound_email()
    {
        await using var s = await StartAsync();
        var template = await s.Kit.RunAsync<MailTemplates, MailTemplateView>(t => t.SaveAsync(null, new MailTemplateInput
        {
            Name = "问候", Language = "zh-Hans", Subject = "{{company}} 的报价", Body = "{{name}} 您好，\n\n感谢您的来信（{{email}}）。\n{{sender_name}}",
        }, AdminScope(), Ct));

        var sent = await s.SendAsync(new SendEmailInput { TemplateId = template.Id });

        var mail = Assert.Single(s.Smtp.Messages);
        Assert.Equal("Acme 有限公司 的报价", mail.Subject);
        Assert.Equal("Alice Chen 您好，\n\n感谢您的来信（alice@customer.example）。\nWang Fang", mail.TextBody!.Replace("\r\n", "\n").TrimEnd());
        Assert.Equal("\"Wang Fang\" <me@work.example>", mail.From.ToString());
        Assert.Equal("\"Alice Chen\" <alice@customer.example>", mail.To.ToString());
        Assert.Equal(mail.MessageId, sent.MessageId);
        await using var db = s.Kit.Database.Open();
        var c = await db.Communications.SingleAsync(x => x.CustomerId == s.CustomerId, Ct);
        Assert.Equal(("email", Direction.Outbound, "Acme 有限公司 的报价"), (c.Channel, c.Direction, c.Subject));
        Assert.Equal(c.Id, sent.CommunicationId);
    }

    [Fact]
    public async Task A_reply_to_a_synced_message_carries_in_reply_to_and_references_and_joins_its_thread()
    {
        var (user, password) = await dovecot.CreateUserAsync();
        await using var s = await StartAsync(imap: (user, password));
        await dovecot.AppendAsync(user, password, false, TestMail.Message("alice@customer.example", "me@work.example", "Invoice", "Is it paid?", "inv@customer.example"));
        await s.Kit.SyncAsync(s.Box.Id);
        var inbound = (await s.Kit.RunAsync<MailQueries, List<EmailItem>>(q => q.ForCustomerAsync(s.Agent, s.CustomerId, 10, Ct))).Single();

        var reply = await s.SendAsync(new SendEmailInput { ReplyTo = inbound.CommunicationId, Body = "Yes, thank you {{first_name}}." });

        var mail = Assert.Single(s.Smtp.Messages);
        Assert.Equal("inv@customer.example", mail.InReplyTo);
        Assert.Equal(["inv@customer.example"], mail.References);
        Assert.Equal("Re: Invoice", mail.Subject);
        Assert.Equal("Yes, thank you Alice.", mail.TextBody!.TrimEnd());
        Assert.Equal("inv@customer.example", reply.ThreadKey);
    }

    [Fact]
    public async Task An_unknown_merge_field_is_refused_naming_the_field_and_nothing_is_sent()
    {
        await using var s = await StartAsync();

        var e = await Assert.ThrowsAsync<RuleViolation>(() => s.SendAsync(new SendEmailInput { Subject = "Hi {{name}}", Body = "Dear {{nmae}}" }));

        Assert.Contains("{{nmae}}", e.Errors["body"][0]);
        Assert.Contains("{{name}}", e.Errors["body"][0]);
        Assert.Empty(s.Smtp.Messages);
        Assert.Equal((0, 0, 0), await s.Kit.CountsAsync());
    }

    [Theory]
    [InlineData("Hello\r\nBcc: victim@example.com", null)]
    [InlineData("Hello\nX-Injected: 1", null)]
    [InlineData("Hi", "Alice\r\nBcc: victim@example.com")]
    public async Task Line_breaks_in_the_subject_or_a_name_are_refused_as_header_injection(string subject, string? name)
    {
        await using var s = await StartAsync(customerName: name ?? "Alice Chen");

        var e = await Assert.ThrowsAsync<RuleViolation>(() => s.SendAsync(new SendEmailInput { Subject = subject, Body = "Body" }));

        Assert.Equal(400, e.Status);
        Assert.True(e.Errors.ContainsKey(name is null ? "subject" : "to"));
        Assert.Empty(s.Smtp.Messages);
    }

    [Fact]
    public async Task A_refused_smtp_login_says_so_and_records_nothing()
    {
        await using var s = await StartAsync(smtpPassword: "wrong");

        var e = await Assert.ThrowsAsync<RuleViolation>(() => s.SendAsync(new SendEmailInput { Subject = "Hi", Body = "Body" }));

        Assert.Equal(502, e.Status);
        Assert.Contains("refused the user name or password", e.Message);
        Assert.Equal((0, 0, 0), await s.Kit.CountsAsync());
    }

    private static AccessScope AdminScope() => new()
    {
        UserId = 0, Role = Role.Admin, Policy = RolePolicies.Defaults.First(p => p.Role == Role.Admin), OwnerIds = null,
    };
}
