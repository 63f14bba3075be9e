using Kith.Core.Customers;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Core.Mail;
using Kith.Tests.Browser;
using Kith.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Kith.Tests.Mail;

/// <summary>The compose dialog in a real Chromium: a template is picked, previewed with merge fields, and sent through a real SMTP server.</summary>
public sealed class ComposeEmailBrowserTests
{
    [Fact]
    public async Task An_agent_writes_from_a_template_previews_the_merge_and_sends()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var browser = await BrowserSession.StartAsync();
        await using var host = await KithTestHost.StartAsync(configure: KithTestHost.LocalMail);
        await using var smtp = new SmtpSink("ana@work.example", "pw");
        var agentId = await host.CreateUserAsync("ana@work.example", Role.Agent, CustomerBrowserTests.Password);
        long customerId;
        await using (var scope = host.Services.CreateAsyncScope())
        {
            var sp = scope.ServiceProvider;
            var access = await AccessScope.ForUserAsync(sp.GetRequiredService<KithDb>(), agentId, ct) ?? throw new InvalidOperationException();
            customerId = (await sp.GetRequiredService<CreateCustomer>().HandleAsync(new CustomerInput { Name = "陈静", Email = "chen.jing@example.cn" }, access, ActorKind.User, ct)).Id;
            await sp.GetRequiredService<ConnectMailbox>().HandleAsync(new MailboxInput
            {
                Name = "Work", Address = "ana@work.example", ImapHost = "127.0.0.1", ImapPort = 1, ImapSecurity = MailSecurity.None,
                SmtpHost = "127.0.0.1", SmtpPort = smtp.Port, SmtpSecurity = MailSecurity.None, Password = "pw", SyncEnabled = false,
            }, access, null, ct);
            var admin = new AccessScope { UserId = agentId, Role = Role.Admin, Policy = RolePolicies.Defaults[0], OwnerIds = null };
            await sp.GetRequiredService<MailTemplates>().SaveAsync(null, new MailTemplateInput
            {
                Name = "Welcome", Language = "en", Subject = "Welcome, {{name}}", Body = "Dear {{name}},\nthanks for writing to {{sender_email}}.",
            }, admin, ct);
        }

        var page = await browser.NewPageAsync(host.Address);
        await CustomerBrowserTests.SignInAsync(page, "ana@work.example", $"/customers/{customerId}");
        await CustomerBrowserTests.Interactive(page);
        await page.ClickAsync("[data-test=write-email]");
        await CustomerBrowserTests.ChooseAsync(page, "Template", "Welcome (en)");
        await Expect(CustomerBrowserTests.Field(page, "compose-subject")).ToHaveValueAsync("Welcome, {{name}}");
        await page.ClickAsync("[data-test=compose-preview-button]");
        await Expect(page.Locator("[data-test=compose-preview]")).ToContainTextAsync("Welcome, 陈静");
        await Expect(page.Locator("[data-test=compose-preview]")).ToContainTextAsync("thanks for writing to ana@work.example.");

        await CustomerBrowserTests.Field(page, "compose-subject").FillAsync("Hello {{nmae}}");
        await page.ClickAsync("[data-test=compose-send]");
        // The problem is shown under the subject field it names.
        await Expect(page.Locator(".mud-dialog")).ToContainTextAsync("Unknown merge field {{nmae}} in the subject");
        Assert.Empty(smtp.Messages);

        await CustomerBrowserTests.Field(page, "compose-subject").FillAsync("Welcome, {{name}}");
        await page.ClickAsync("[data-test=compose-send]");
        await Expect(page.Locator("[data-test=email]")).ToHaveCountAsync(1);
        await Expect(page.Locator("[data-test=email]")).ToContainTextAsync("Welcome, 陈静");
        var mail = Assert.Single(smtp.Messages);
        Assert.Equal("Welcome, 陈静", mail.Subject);
        Assert.Equal("Dear 陈静,\nthanks for writing to ana@work.example.", mail.TextBody!.Replace("\r\n", "\n").TrimEnd());
    }
}
