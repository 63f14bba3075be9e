using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Mail;

public sealed record MailSyncRunView(long Id, string Trigger, DateTime StartedAt, DateTime? FinishedAt, MailSyncOutcome Outcome,
    int Seen, int Imported, int AlreadyStored, IReadOnlyDictionary<string, int> Skipped, int Dropped, int Errors, string? ErrorMessage)
{
    public static MailSyncRunView Of(MailSyncRun r) => new(r.Id, r.Trigger, r.StartedAt, r.FinishedAt, r.Outcome, r.Seen, r.Imported,
        r.AlreadyStored, new Dictionary<string, int> { ["noKnownCustomer"] = r.SkippedNoCustomer }, r.Dropped, r.Errors, r.ErrorMessage);
}

/// <summary>A mailbox as its owner sees it. There is no password member: it never leaves the server.</summary>
public sealed record MailboxView(long Id, long OwnerId, string Name, string Address,
    string ImapHost, int ImapPort, MailSecurity ImapSecurity, string ImapUser,
    string SmtpHost, int SmtpPort, MailSecurity SmtpSecurity, string SmtpUser,
    MailVisibility Visibility, bool SyncEnabled, bool IsSupportAddress, bool HasPassword, DateTime? LastSyncAt, DateTime? SyncRequestedAt,
    MailboxStatus Status, MailSyncRunView? LastRun);

public sealed record EmailItem(long Id, long CommunicationId, string MessageId, string ThreadKey, string? Subject, DateTime SentAt,
    string Direction, string FromAddress, string? FromName, string To, string Cc, string? Text, string? Html, long? MailboxId);

/// <summary>Mailboxes with their status and ledger, and the emails on a customer's timeline, each within the caller's reach.</summary>
public sealed class MailQueries(KithDb db, MailAccess access, TimeProvider clock)
{
    public async Task<List<MailboxView>> MailboxesAsync(AccessScope scope, CancellationToken ct)
    {
        var q = db.Mailboxes.AsNoTracking();
        if (!scope.IsAdmin) q = q.Where(m => m.OwnerId == scope.UserId);
        var boxes = await q.OrderBy(m => m.Name).ThenBy(m => m.Id).ToListAsync(ct);
        var views = new List<MailboxView>(boxes.Count);
        foreach (var b in boxes) views.Add(await ViewAsync(b, ct));
        return views;
    }

    public async Task<MailboxView> MailboxAsync(AccessScope scope, long id, CancellationToken ct) =>
        await ViewAsync(await access.MailboxAsync(scope, id, ct), ct);

    public async Task<List<MailSyncRunView>> RunsAsync(AccessScope scope, long mailboxId, int limit, CancellationToken ct)
    {
        await access.MailboxAsync(scope, mailboxId, ct);
        if (limit is < 1 or > 500) throw RuleViolation.Field("limit", "limit must be from 1 to 500.");
        var runs = await db.MailSyncRuns.AsNoTracking().Where(r => r.MailboxId == mailboxId)
            .OrderByDescending(r => r.Id).Take(limit).ToListAsync(ct);
        return runs.Select(MailSyncRunView.Of).ToList();
    }

    internal async Task<MailboxView> ViewAsync(Mailbox b, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var runs = db.MailSyncRuns.AsNoTracking().Where(r => r.MailboxId == b.Id);
        var latest = await runs.OrderByDescending(r => r.Id).FirstOrDefaultAsync(ct);
        var finished = latest is { Outcome: not MailSyncOutcome.Running } ? latest
            : await runs.Where(r => r.Outcome != MailSyncOutcome.Running).OrderByDescending(r => r.Id).FirstOrDefaultAsync(ct);
        var since = now - MailboxStatus.DroppedWindow;
        var dropped = await runs.Where(r => r.StartedAt >= since).SumAsync(r => r.Dropped, ct);
        return new MailboxView(b.Id, b.OwnerId, b.Name, b.Address, b.ImapHost, b.ImapPort, b.ImapSecurity, b.ImapUser,
            b.SmtpHost, b.SmtpPort, b.SmtpSecurity, b.SmtpUser, b.Visibility, b.SyncEnabled, b.IsSupportAddress, b.PasswordSecret.Length > 0,
            b.LastSyncAt, b.SyncRequestedAt, MailboxStatus.Of(b, latest, finished, dropped, now),
            latest is null ? null : MailSyncRunView.Of(latest));
    }

    /// <summary>A customer's emails the caller may read, newest first.</summary>
    public async Task<List<EmailItem>> ForCustomerAsync(AccessScope scope, long customerId, int limit, CancellationToken ct)
    {
        if (!await scope.Visible(db.Customers.AsNoTracking()).AnyAsync(c => c.Id == customerId, ct)) throw new NotFound("Customer");
        if (limit is < 1 or > 500) throw RuleViolation.Field("limit", "limit must be from 1 to 500.");
        var messages = await access.VisibleMessagesAsync(scope, ct);
        var rows = await (from l in db.EmailLinks
                          join m in messages on l.EmailMessageId equals m.Id
                          join c in db.Communications on l.CommunicationId equals c.Id
                          where l.CustomerId == customerId
                          orderby m.SentAt descending, m.Id descending
                          select new { m, c.Id, c.Content }).Take(limit).ToListAsync(ct);
        var own = await HiddenAddressesAsync(scope, customerId, ct);
        return rows.Select(r => Item(r.m, r.Id, r.Content, own)).ToList();
    }

    /// <summary>One email by its timeline entry (communication id); 404 unless both the customer and the message are in reach.</summary>
    public async Task<EmailItem> EmailAsync(AccessScope scope, long communicationId, CancellationToken ct)
    {
        var link = await db.EmailLinks.AsNoTracking().FirstOrDefaultAsync(l => l.CommunicationId == communicationId, ct) ?? throw new NotFound("Email");
        if (!await scope.Visible(db.Customers.AsNoTracking()).AnyAsync(c => c.Id == link.CustomerId, ct)) throw new NotFound("Email");
        var m = await (await access.VisibleMessagesAsync(scope, ct)).FirstOrDefaultAsync(x => x.Id == link.EmailMessageId, ct) ?? throw new NotFound("Email");
        var content = await db.Communications.AsNoTracking().Where(c => c.Id == communicationId).Select(c => c.Content).FirstOrDefaultAsync(ct);
        return Item(m, communicationId, content, await HiddenAddressesAsync(scope, link.CustomerId, ct));
    }

    /// <summary>
    /// The customer's addresses (theirs and those of the records merged into them) when the reader's role hides the
    /// email, to blank in the messages' sender and recipients; empty otherwise.
    /// </summary>
    private async Task<IReadOnlySet<string>> HiddenAddressesAsync(AccessScope scope, long customerId, CancellationToken ct)
    {
        if (!scope.Fields.IsHidden(CustomFields.CustomFieldEntity.Customer, "email")) return new HashSet<string>();
        var emails = await db.Customers.AsNoTracking().Where(c => (c.Id == customerId || c.MergedIntoId == customerId) && c.Email != null)
            .Select(c => c.Email!).ToListAsync(ct);
        return emails.ToHashSet(StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>An address list ("a@x, b@y", or one address) without <paramref name="own"/>.</summary>
    internal static string WithoutAddresses(string list, IReadOnlySet<string> own) =>
        own.Count == 0 ? list : string.Join(", ", list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Where(a => !own.Contains(a)));

    private static EmailItem Item(EmailMessage m, long communicationId, string? content, IReadOnlySet<string> own) =>
        new(m.Id, communicationId, m.MessageId, m.ThreadKey, m.Subject, m.SentAt,
            System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(m.Direction.ToString()),
            WithoutAddresses(m.FromAddress, own), m.FromName, WithoutAddresses(m.ToAddresses, own), WithoutAddresses(m.CcAddresses, own), content, m.HtmlBody, m.MailboxId);
}
