using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Core.Mail;
using Kith.Core.Tasks;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Tests.Mail;

/// <summary>Kith's own mail through a real SMTP server (SmtpServer in-process): settings, refusals, and task reminders.</summary>
public sealed class SystemMailTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Unset_system_mail_is_a_clear_409_and_once_set_a_message_leaves_from_the_configured_sender()
    {
        await using var kit = await MailboxKit.StartAsync();
        await using var smtp = new SmtpSink(SystemMailKit.User, SystemMailKit.Password);

        var unset = await Assert.ThrowsAsync<SystemMailUnavailable>(() => kit.RunAsync<ISystemMail, bool>(async m => { await m.SendAsync("a@example.com", "Hi", "Text", null, Ct); return true; }));
        Assert.Equal(409, unset.Status);
        Assert.Contains("System mail", unset.Message);
        var view = await SystemMailKit.ConfigureAsync(kit, smtp.Port);
        await kit.RunAsync<ISystemMail, bool>(async m => { await m.SendAsync("ana@example.com", "Welcome · 欢迎", "Plain", "<p>Rich</p>", Ct); return true; });

        Assert.Equal((true, true, "https://crm.company.example"), (view.Configured, view.HasPassword, view.PublicUrl));
        var mail = Assert.Single(smtp.Messages);
        Assert.Equal("\"Kith CRM\" <kith@company.example>", mail.From.ToString());
        Assert.Equal(("Welcome · 欢迎", "Plain", "<p>Rich</p>"), (mail.Subject, mail.TextBody?.TrimEnd(), mail.HtmlBody?.TrimEnd()));
        Assert.Equal("auto-generated", mail.Headers["Auto-Submitted"]);
        Assert.Equal("https://crm.company.example/my-day", await kit.RunAsync<ISystemMail, string>(m => m.LinkAsync("/my-day", Ct)));
    }

    [Fact]
    public async Task The_password_is_sealed_never_shown_and_kept_when_a_change_leaves_it_empty()
    {
        await using var kit = await MailboxKit.StartAsync();
        await SystemMailKit.ConfigureAsync(kit, 2525);

        var changed = await kit.RunAsync<SystemMailSettings, SystemMailView>(s => s.UpdateAsync(new SystemMailInput
        {
            Host = "smtp.company.example", Port = 465, Security = MailSecurity.SslOnConnect, User = "kith", Password = "",
            FromAddress = "Kith@Company.example", PublicUrl = "https://crm.company.example",
        }, SystemMailKit.Admin(), Ct));

        Assert.True(changed.HasPassword);
        Assert.Equal("kith@company.example", changed.FromAddress);
        Assert.DoesNotContain(SystemMailKit.Password, System.Text.Json.JsonSerializer.Serialize(changed));
        await using var db = kit.Database.Open();
        var stored = await db.Settings.SingleAsync(s => s.Key == "systemMail.password", Ct);
        Assert.StartsWith("v1:", stored.Value);
        Assert.DoesNotContain(SystemMailKit.Password, stored.Value);
        var (agentId, _) = await kit.UserAsync(Role.Agent, "Li");
        var agent = await kit.ScopeAsync(agentId);
        await Assert.ThrowsAsync<Forbidden>(() => kit.RunAsync<SystemMailSettings, SystemMailView>(s => s.GetAsync(agent, Ct)));
    }

    [Theory]
    [InlineData("Hello\r\nBcc: victim@example.com", "a@example.com", "subject")]
    [InlineData("Hello\nX-Injected: 1", "a@example.com", "subject")]
    [InlineData("Hello", "a@example.com\r\nBcc: victim@example.com", "to")]
    public async Task Line_breaks_in_a_subject_or_an_address_are_refused_and_nothing_is_sent(string subject, string to, string field)
    {
        await using var kit = await MailboxKit.StartAsync();
        await using var smtp = new SmtpSink(SystemMailKit.User, SystemMailKit.Password);
        await SystemMailKit.ConfigureAsync(kit, smtp.Port);

        var e = await Assert.ThrowsAsync<RuleViolation>(() => kit.RunAsync<ISystemMail, bool>(async m => { await m.SendAsync(to, subject, "Body", null, Ct); return true; }));

        Assert.Equal(400, e.Status);
        Assert.Equal([field], e.Errors.Keys);
        Assert.Empty(smtp.Messages);
    }

    [Fact]
    public async Task Bad_settings_name_each_field_and_a_sender_name_with_a_line_break_is_refused()
    {
        await using var kit = await MailboxKit.StartAsync();

        var e = await Assert.ThrowsAsync<RuleViolation>(() => kit.RunAsync<SystemMailSettings, SystemMailView>(s => s.UpdateAsync(new SystemMailInput
        {
            Host = "", Port = 0, FromAddress = "kith", FromName = "Kith\r\nBcc: x@example.com", PublicUrl = "crm.example.com",
        }, SystemMailKit.Admin(), Ct)));

        Assert.Equal(["fromAddress", "fromName", "host", "port", "publicUrl"], e.Errors.Keys.Order());
        await using var db = kit.Database.Open();
        Assert.Equal(0, await db.Settings.CountAsync(s => s.Key.StartsWith("systemMail."), Ct));
    }

    [Fact]
    public async Task A_due_reminder_goes_out_once_in_the_assignees_language_with_a_link_to_the_task()
    {
        await using var kit = await MailboxKit.StartAsync();
        await using var smtp = new SmtpSink(SystemMailKit.User, SystemMailKit.Password);
        var (agentId, agentEmail) = await kit.UserAsync(Role.Agent, "王芳");
        await using (var db = kit.Database.Open())
            await db.Users.Where(u => u.Id == agentId).ExecuteUpdateAsync(x => x.SetProperty(u => u.Language, "zh-Hans"), Ct);
        var agent = await kit.ScopeAsync(agentId);
        var customer = (await kit.CustomersAsync(agentId, ("陈静", "chen@example.cn")))[0];
        var now = kit.Clock.GetUtcNow();
        var task = await kit.RunAsync<CreateTask, TaskDetail>(h => h.HandleAsync(new TaskInput
        {
            Title = "回电\r\nBcc: x@example.com", Notes = "确认报价", DueAt = now.AddHours(2), RemindAt = now.AddHours(1), CustomerId = customer,
        }, agent, Ct));
        kit.Clock.Advance(TimeSpan.FromHours(1));

        Assert.Equal(0, await kit.RunAsync<SendTaskReminders, int>(h => h.RunAsync(Ct)));
        await SystemMailKit.ConfigureAsync(kit, smtp.Port);
        var sent = await kit.RunAsync<SendTaskReminders, int>(h => h.RunAsync(Ct));
        var again = await kit.RunAsync<SendTaskReminders, int>(h => h.RunAsync(Ct));

        Assert.Equal((1, 0), (sent, again));
        var mail = Assert.Single(smtp.Messages);
        Assert.Equal(agentEmail, mail.To.Mailboxes.Single().Address);
        Assert.Equal("任务提醒：回电 Bcc: x@example.com", mail.Subject);
        Assert.Empty(mail.Bcc);
        Assert.Contains($"{SystemMailKit.PublicUrl}/my-day#task-{task.Id}", mail.TextBody);
        Assert.Contains($"{SystemMailKit.PublicUrl}/customers/{customer}", mail.TextBody);
        Assert.Contains("截止时间：2026-03-01 11:00 UTC", mail.TextBody);
        Assert.Contains("确认报价", mail.TextBody);
        Assert.Contains($"href=\"{SystemMailKit.PublicUrl}/my-day#task-{task.Id}\"", mail.HtmlBody);
    }
}
