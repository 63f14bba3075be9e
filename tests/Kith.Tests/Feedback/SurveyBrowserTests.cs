using Kith.Core.Feedback;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Core.Mail;
using Kith.Tests.Browser;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Kith.Tests.Feedback;

/// <summary>A customer answers a Chinese survey from its emailed link in a real Chromium, without signing in.</summary>
public sealed class SurveyBrowserTests
{
    [Fact]
    public async Task A_customer_opens_the_emailed_link_picks_a_score_writes_a_comment_and_is_thanked_once()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var browser = await BrowserSession.StartAsync();
        await using var host = await KithTestHost.StartAsync(configure: KithTestHost.LocalMail);
        await using var smtp = new SmtpSink("kith@company.example", "smtp-pw");
        var agentId = await host.CreateUserAsync("ana@company.example", Role.Agent);
        await using (var scope = host.Services.CreateAsyncScope())
        {
            var sp = scope.ServiceProvider;
            var db = sp.GetRequiredService<KithDb>();
            var agent = await AccessScope.ForUserAsync(db, agentId, ct) ?? throw new InvalidOperationException();
            var admin = new AccessScope { UserId = agentId, Role = Role.Admin, Policy = RolePolicies.Defaults[0], OwnerIds = null };
            await sp.GetRequiredService<SystemMailSettings>().UpdateAsync(new SystemMailInput
            {
                Host = "127.0.0.1", Port = smtp.Port, Security = MailSecurity.None, User = "kith@company.example", Password = "smtp-pw",
                FromAddress = "kith@company.example", PublicUrl = host.Address.ToString(),
            }, admin, ct);
            var customer = await sp.GetRequiredService<Kith.Core.Customers.CreateCustomer>()
                .HandleAsync(new Kith.Core.Customers.CustomerInput { Name = "陈静", Email = "chen.jing@example.cn" }, agent, ActorKind.User, ct);
            await sp.GetRequiredService<SendSurvey>().HandleAsync(new SurveyInput { CustomerId = customer.Id, Kind = FeedbackKind.Nps, Language = "zh-Hans" }, agent, ct);
        }
        var link = System.Text.RegularExpressions.Regex.Match(Assert.Single(smtp.Messages).TextBody!, @"http\S+/survey/\S+").Value;

        var page = await browser.NewPageAsync(host.Address);
        await page.GotoAsync(link);
        await Expect(page.Locator("legend")).ToHaveTextAsync("您有多大可能向朋友或同事推荐我们？");
        // The scale is a group of radio buttons with a legend: reachable by keyboard and named for screen readers.
        await page.GetByRole(AriaRole.Radio, new() { Name = "9" }).CheckAsync(new() { Force = true });
        await page.GetByLabel("还有什么想告诉我们的吗？（选填）").FillAsync("回复很快，谢谢！");
        await page.GetByRole(AriaRole.Button, new() { Name = "发送" }).ClickAsync();

        await Expect(page.Locator("[data-test=survey-thanks]")).ToHaveTextAsync("感谢您的反馈！");
        await page.GotoAsync(link);
        await Expect(page.Locator("[data-test=survey-closed]")).ToHaveTextAsync("此调查已经回答过了");
        await using var check = host.OpenDb();
        var answer = await check.Feedback.SingleAsync(ct);
        Assert.Equal((FeedbackKind.Nps, 9, "回复很快，谢谢！", FeedbackSource.Survey), (answer.Kind, answer.Score, answer.Comment, answer.Source));
    }
}
