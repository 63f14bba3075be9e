using Kith.Core.Mail;
using MudBlazor;

namespace Kith.Mail;

/// <summary>The words and colours of mailbox states and ledger outcomes (English keys for L[...]).</summary>
public static class MailTexts
{
    public static string Health(MailboxHealth h) => h switch
    {
        MailboxHealth.NeverSynced => "Not synced yet",
        MailboxHealth.Syncing => "Syncing",
        MailboxHealth.Healthy => "Healthy",
        MailboxHealth.Warning => "Messages dropped",
        MailboxHealth.Failing => "Failing",
        MailboxHealth.Stale => "Stale",
        _ => "Paused",
    };

    public static Color HealthColor(MailboxHealth h) => h switch
    {
        MailboxHealth.Healthy => Color.Success,
        MailboxHealth.Failing => Color.Error,
        MailboxHealth.Warning or MailboxHealth.Stale => Color.Warning,
        MailboxHealth.Syncing => Color.Info,
        _ => Color.Default,
    };

    public static string Outcome(MailSyncOutcome o) => o switch
    {
        MailSyncOutcome.Running => "Running",
        MailSyncOutcome.Succeeded => "Succeeded",
        MailSyncOutcome.Warnings => "With warnings",
        _ => "Failed",
    };

    public static string Security(MailSecurity s) => s switch
    {
        MailSecurity.SslOnConnect => "SSL/TLS",
        MailSecurity.StartTls => "STARTTLS",
        _ => "None (unencrypted)",
    };

    public static string Visibility(MailVisibility v) => v switch
    {
        MailVisibility.Participants => "Participants and their managers",
        MailVisibility.Owner => "Only me (and administrators)",
        _ => "Everyone who can see the customer",
    };

    public static string Trigger(string trigger) => trigger switch
    {
        "manual" => "Sync now",
        "schedule" => "Scheduled",
        _ => trigger,
    };
}
