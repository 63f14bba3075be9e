using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Core.Mail;

namespace Kith.Core.Tests.Mail;

public sealed class MailTemplatesTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Templates_in_english_and_chinese_are_kept_and_bad_ones_refused_naming_each_field(DatabaseProvider provider)
    {
        await using var kit = await MailboxKit.StartAsync(provider);
        var manager = await kit.ScopeAsync((await kit.UserAsync(Role.Manager, "M")).Id);
        var agent = await kit.ScopeAsync((await kit.UserAsync(Role.Agent, "A")).Id);
        Task<MailTemplateView> SaveAsync(AccessScope who, MailTemplateInput input) =>
            kit.RunAsync<MailTemplates, MailTemplateView>(t => t.SaveAsync(null, input, who, Ct));

        await SaveAsync(manager, new MailTemplateInput { Name = "Hello", Language = "en", Subject = "Hi {{first_name}}", Body = "Dear {{name}} of {{company}}" });
        await SaveAsync(manager, new MailTemplateInput { Name = "你好", Language = "zh-Hans", Subject = "{{name}} 您好", Body = "来自 {{sender_name}}" });
        var bad = await Assert.ThrowsAsync<RuleViolation>(() => SaveAsync(manager,
            new MailTemplateInput { Name = "Hello", Language = "fr", Subject = "Line\r\nBcc: x@y.z", Body = "{{ surname }}" }));
        var forbidden = await Assert.ThrowsAsync<Forbidden>(() => SaveAsync(agent, new MailTemplateInput { Name = "X", Subject = "S", Body = "B" }));

        Assert.Equal(["body", "language", "subject"], bad.Errors.Keys.Order());
        Assert.Contains("{{surname}}", bad.Errors["body"][0]);
        Assert.Equal(403, forbidden.Status);
        var chinese = await kit.RunAsync<MailTemplates, List<MailTemplateView>>(t => t.ListAsync("zh-Hans", Ct));
        Assert.Equal("你好", Assert.Single(chinese).Name);
        Assert.Equal(2, (await kit.RunAsync<MailTemplates, List<MailTemplateView>>(t => t.ListAsync(null, Ct))).Count);
    }
}
