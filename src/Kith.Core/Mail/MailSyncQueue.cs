using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Mail;

/// <summary>Which mailboxes the sync worker should read next: those asked for with "Sync now" first, then those not synced for <see cref="MailboxStatus.SyncInterval"/>.</summary>
public sealed class MailSyncQueue(KithDb db, MailAccess access, MailQueries queries, TimeProvider clock)
{
    /// <summary>
    /// Asks for a sync now. <paramref name="fromStart"/> reads every folder again from its first message, so that mail
    /// skipped before (its customer was added since) reaches the timeline; stored mail is recognised and not doubled.
    /// </summary>
    public async Task<MailboxView> RequestAsync(long id, AccessScope scope, CancellationToken ct, bool fromStart = false)
    {
        var box = await access.MailboxAsync(scope, id, ct, track: true);
        box.SyncRequestedAt = clock.GetUtcNow().UtcDateTime;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        if (fromStart) await db.MailboxFolders.Where(f => f.MailboxId == id).ExecuteDeleteAsync(ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return await queries.ViewAsync(box, ct);
    }

    public async Task<List<long>> DueAsync(CancellationToken ct)
    {
        var before = clock.GetUtcNow().UtcDateTime - MailboxStatus.SyncInterval;
        return await db.Mailboxes.AsNoTracking()
            .Where(m => m.SyncRequestedAt != null || (m.SyncEnabled && (m.LastSyncAt == null || m.LastSyncAt < before)))
            .OrderBy(m => m.SyncRequestedAt == null).ThenBy(m => m.LastSyncAt).Select(m => m.Id).ToListAsync(ct);
    }
}
