using System.Text.RegularExpressions;
using Kith.Core.Mail;
using Kith.Localization;
using Kith.Mail;

namespace Kith.Tests.Mail;

/// <summary>Every text the mailbox page and the email panel show has a Simplified Chinese translation, states and fixed status sentences included.</summary>
public sealed partial class MailTextsTests
{
    [Fact]
    public void EveryTextOfTheMailScreensHasAChineseTranslation()
    {
        var folder = Path.Combine(RepositoryRoot(), "src", "Kith", "Mail");
        var now = new DateTime(2026, 3, 1, 9, 0, 0, DateTimeKind.Utc);
        var box = new Mailbox();
        var ok = new MailSyncRun { Outcome = MailSyncOutcome.Succeeded, FinishedAt = now };
        var statuses = new[]
        {
            MailboxStatus.Of(box, null, null, 0, now), MailboxStatus.Of(new Mailbox { SyncEnabled = false }, null, null, 0, now),
            MailboxStatus.Of(box, new MailSyncRun { Outcome = MailSyncOutcome.Running }, null, 0, now), MailboxStatus.Of(box, ok, ok, 0, now),
            MailboxStatus.Of(box, new MailSyncRun { Outcome = MailSyncOutcome.Running }, ok, 0, now), MailboxStatus.Of(box, ok, ok, 0, now.AddHours(1)),
        };
        var keys = Directory.EnumerateFiles(folder)
            .Where(p => p.EndsWith(".razor", StringComparison.Ordinal) || p.EndsWith(".cs", StringComparison.Ordinal))
            .SelectMany(p => Localized().Matches(File.ReadAllText(p)).Select(m => m.Groups[1].Value))
            .Concat(Enum.GetValues<MailboxHealth>().Select(MailTexts.Health))
            .Concat(Enum.GetValues<MailSyncOutcome>().Select(MailTexts.Outcome))
            .Concat(Enum.GetValues<MailSecurity>().Select(MailTexts.Security))
            .Concat(Enum.GetValues<MailVisibility>().Select(MailTexts.Visibility))
            .Concat(new[] { "manual", "schedule" }.Select(MailTexts.Trigger))
            .Concat(statuses.Select(s => s.Message))
            .Distinct()
            .ToList();
        var missing = keys.Where(k => !KithLocalizer.Chinese.ContainsKey(k)).ToList();
        Assert.True(missing.Count == 0, "No Chinese text for: " + string.Join(" | ", missing));
        Assert.True(keys.Count > 50);
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Kith.slnx"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Kith.slnx not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex("""L\["([^"]+)"[\],]""")]
    private static partial Regex Localized();
}
