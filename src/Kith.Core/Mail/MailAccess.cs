using Kith.Core.Communications;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Mail;

/// <summary>
/// Who may see what in mail. Mailboxes: their owner and administrators. Synced messages: see
/// <see cref="MailVisibility"/>; the customer must also be in reach, as for any timeline entry.
/// </summary>
public sealed class MailAccess(KithDb db)
{
    public async Task<Mailbox> MailboxAsync(AccessScope scope, long id, CancellationToken ct, bool track = false)
    {
        var q = track ? db.Mailboxes : db.Mailboxes.AsNoTracking();
        var box = await q.FirstOrDefaultAsync(m => m.Id == id, ct);
        if (box is null || !(scope.IsAdmin || box.OwnerId == scope.UserId)) throw new NotFound("Mailbox");
        return box;
    }

    /// <summary>
    /// The users on whose behalf the caller reads mail: themselves, plus their team mates when they manage a team.
    /// Null for administrators, who read all of it.
    /// </summary>
    public async Task<long[]?> ReadersForAsync(AccessScope scope, CancellationToken ct)
    {
        if (scope.IsAdmin) return null;
        if (scope.Role != Role.Manager) return [scope.UserId];
        var teams = db.TeamMembers.Where(m => m.UserId == scope.UserId).Select(m => m.TeamId);
        var mates = await db.TeamMembers.Where(m => teams.Contains(m.TeamId)).Select(m => m.UserId).Distinct().ToListAsync(ct);
        return [.. mates.Append(scope.UserId).Distinct()];
    }

    /// <summary>The messages the caller may read (the customer reach is checked by the caller of this).</summary>
    public async Task<IQueryable<EmailMessage>> VisibleMessagesAsync(AccessScope scope, CancellationToken ct)
    {
        var readers = await ReadersForAsync(scope, ct);
        var q = db.EmailMessages.AsNoTracking();
        if (readers is null) return q;
        var me = scope.UserId;
        return q.Where(m => m.Visibility == MailVisibility.CustomerReach
                            || m.OwnerId == me
                            || (m.Visibility == MailVisibility.Participants
                                && db.EmailParticipants.Any(p => p.EmailMessageId == m.Id && readers.Contains(p.UserId))));
    }

    /// <summary>
    /// Filters a query of communications down to those the caller may read: every non-email communication, and the
    /// email ones whose message is visible. The timeline and communication reads apply this after the customer reach.
    /// </summary>
    public async Task<IQueryable<Communication>> VisibleCommunicationsAsync(IQueryable<Communication> query, AccessScope scope, CancellationToken ct)
    {
        if (scope.IsAdmin) return query;
        var visible = (await VisibleMessagesAsync(scope, ct)).Select(m => m.Id);
        return query.Where(c => !db.EmailLinks.Any(l => l.CommunicationId == c.Id)
                                || db.EmailLinks.Any(l => l.CommunicationId == c.Id && visible.Contains(l.EmailMessageId)));
    }
}
