namespace Kith.Core.Mail;

public enum MailSyncOutcome { Running, Succeeded, Warnings, Failed }

/// <summary>
/// The ledger line of one sync of one mailbox: what was seen, imported, skipped and why, and what went wrong.
/// A message is "seen" once per run when its UID is new; "already stored" ones were imported earlier (another
/// folder, another mailbox, or a run cut short); "dropped" ones could not be read and make the mailbox unhealthy.
/// </summary>
public sealed class MailSyncRun
{
    public long Id { get; set; }
    public long MailboxId { get; set; }
    public string Trigger { get; set; } = "";
    public DateTime StartedAt { get; set; }
    public DateTime? FinishedAt { get; set; }
    public MailSyncOutcome Outcome { get; set; }
    public int Seen { get; set; }
    public int Imported { get; set; }
    public int AlreadyStored { get; set; }
    /// <summary>No address on the message belongs to a customer.</summary>
    public int SkippedNoCustomer { get; set; }
    /// <summary>The message could not be fetched or parsed: it is missing from Kith.</summary>
    public int Dropped { get; set; }
    public int Errors { get; set; }
    public string? ErrorMessage { get; set; }
}
