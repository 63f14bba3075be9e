namespace Kith.Core.Mail;

public enum MailboxHealth { NeverSynced, Syncing, Healthy, Warning, Failing, Stale, Paused }

/// <summary>
/// The mailbox's state in one word and one sentence, worked out from its ledger each time it is read so that it
/// cannot drift from what happened. It is Healthy only when the last sync finished without error, nothing was
/// dropped in the last day, and that sync is recent.
/// </summary>
public sealed record MailboxStatus(MailboxHealth Health, string Message)
{
    public static readonly TimeSpan SyncInterval = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan DroppedWindow = TimeSpan.FromHours(24);

    public static MailboxStatus Of(Mailbox box, MailSyncRun? latest, MailSyncRun? lastFinished, int droppedInWindow, DateTime now)
    {
        if (lastFinished is null)
            return latest is { Outcome: MailSyncOutcome.Running }
                ? new(MailboxHealth.Syncing, "The first sync is running.")
                : new(MailboxHealth.NeverSynced, box.SyncEnabled ? "Waiting for the first sync." : "Sync is turned off.");
        if (lastFinished.Outcome == MailSyncOutcome.Failed)
            return new(MailboxHealth.Failing, lastFinished.ErrorMessage ?? "The last sync failed.");
        if (droppedInWindow > 0)
            return new(MailboxHealth.Warning, $"{droppedInWindow} messages could not be read in the last 24 hours and are missing from Kith; see the ledger.");
        if (!box.SyncEnabled) return new(MailboxHealth.Paused, "Sync is turned off.");
        if (lastFinished.FinishedAt is { } at && now - at > 3 * SyncInterval)
            return new(MailboxHealth.Stale, "No sync has finished for more than 15 minutes; is the Kith server running?");
        return latest is { Outcome: MailSyncOutcome.Running }
            ? new(MailboxHealth.Syncing, "Syncing; the last sync finished without errors.")
            : new(MailboxHealth.Healthy, "The last sync finished without errors.");
    }
}
