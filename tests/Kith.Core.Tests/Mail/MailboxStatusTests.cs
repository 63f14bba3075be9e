using Kith.Core.Mail;

namespace Kith.Core.Tests.Mail;

/// <summary>The status is never Healthy while the last sync failed, messages were dropped, or syncs stopped happening.</summary>
public sealed class MailboxStatusTests
{
    private static readonly DateTime Now = new(2026, 3, 1, 9, 0, 0, DateTimeKind.Utc);
    private static readonly Mailbox Box = new() { SyncEnabled = true };

    private static MailSyncRun Run(MailSyncOutcome outcome, int minutesAgo = 1) =>
        new() { Outcome = outcome, StartedAt = Now.AddMinutes(-minutesAgo - 1), FinishedAt = outcome == MailSyncOutcome.Running ? null : Now.AddMinutes(-minutesAgo), ErrorMessage = "boom" };

    [Fact]
    public void Healthy_only_after_a_recent_clean_sync_with_nothing_dropped()
    {
        var ok = Run(MailSyncOutcome.Succeeded);
        Assert.Equal(MailboxHealth.Healthy, MailboxStatus.Of(Box, ok, ok, 0, Now).Health);
        Assert.Equal(MailboxHealth.Warning, MailboxStatus.Of(Box, ok, ok, 3, Now).Health);
        Assert.Contains("3 messages could not be read", MailboxStatus.Of(Box, ok, ok, 3, Now).Message);
        Assert.Equal(MailboxHealth.Stale, MailboxStatus.Of(Box, ok, ok, 0, Now.AddMinutes(30)).Health);
        Assert.Equal(MailboxHealth.NeverSynced, MailboxStatus.Of(Box, null, null, 0, Now).Health);
    }

    [Fact]
    public void A_failed_last_sync_stays_failing_with_its_error_even_while_the_next_one_runs()
    {
        var failed = Run(MailSyncOutcome.Failed);
        var running = Run(MailSyncOutcome.Running, 0);

        var status = MailboxStatus.Of(Box, running, failed, 0, Now);

        Assert.Equal(MailboxHealth.Failing, status.Health);
        Assert.Equal("boom", status.Message);
    }
}
