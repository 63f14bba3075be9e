using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Mail;

/// <summary>Connects a mailbox for the caller (an administrator may connect one for another user).</summary>
public sealed class ConnectMailbox(KithDb db, MailClients clients, MailQueries queries, TimeProvider clock)
{
    public async Task<MailboxView> HandleAsync(MailboxInput input, AccessScope scope, long? ownerId, CancellationToken ct)
    {
        var owner = ownerId ?? scope.UserId;
        if (owner != scope.UserId)
        {
            if (!scope.IsAdmin) throw new Forbidden("Only an administrator may connect a mailbox for someone else.");
            if (!await db.Users.AnyAsync(u => u.Id == owner, ct)) throw RuleViolation.Field("ownerId", "There is no user with this id.");
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var box = new Mailbox { OwnerId = owner, CreatedAt = now, UpdatedAt = now };
        input.ApplyTo(box, clients, passwordRequired: true);
        db.Mailboxes.Add(box);
        await db.SaveChangesAsync(ct);
        return await queries.ViewAsync(box, ct);
    }
}

/// <summary>Changes a mailbox's settings; an empty password keeps the stored one. A new visibility applies to the mail already synced.</summary>
public sealed class UpdateMailbox(KithDb db, MailAccess access, MailClients clients, MailQueries queries, TimeProvider clock)
{
    public async Task<MailboxView> HandleAsync(long id, MailboxInput input, AccessScope scope, CancellationToken ct)
    {
        var box = await access.MailboxAsync(scope, id, ct, track: true);
        input.ApplyTo(box, clients, passwordRequired: false);
        box.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await db.SaveChangesAsync(ct);
        await db.EmailMessages.Where(m => m.MailboxId == id && m.Visibility != box.Visibility)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.Visibility, box.Visibility), ct);
        await tx.CommitAsync(ct);
        return await queries.ViewAsync(box, ct);
    }
}

/// <summary>Removes a mailbox and its ledger. Mail already on timelines stays there.</summary>
public sealed class DisconnectMailbox(KithDb db, MailAccess access)
{
    public async Task HandleAsync(long id, AccessScope scope, CancellationToken ct)
    {
        var box = await access.MailboxAsync(scope, id, ct, track: true);
        db.Mailboxes.Remove(box);
        await db.SaveChangesAsync(ct);
    }
}
