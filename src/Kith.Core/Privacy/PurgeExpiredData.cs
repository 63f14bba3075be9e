using Kith.Core.Infrastructure;
using Kith.Core.Importing;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Privacy;

/// <summary>How many rows of each kind are past their maximum age (dry run) or were removed.</summary>
public sealed record PurgeResult(bool DryRun, IReadOnlyDictionary<string, long> Counts);

/// <summary>
/// Removes data older than the retention rules allow: behaviour events, communications, email messages, import
/// reports, and customers in the bin past their time (erased like a requested erasure). The daily worker runs it; the
/// admin page runs it as a dry run to show what would go.
/// </summary>
public sealed class PurgeExpiredData(KithDb db, PrivacySettings settings, ErasePerson erase, DatabaseOptions database, TimeProvider clock)
{
    public const string BehaviorEvents = "behaviorEvents";
    public const string Communications = "communications";
    public const string EmailMessages = "emailMessages";
    public const string ImportReports = "importReports";
    public const string DeletedCustomers = "deletedCustomers";

    public async Task<PurgeResult> RunAsync(bool dryRun, CancellationToken ct)
    {
        var rules = (await settings.GetAsync(ct)).Retention;
        var now = clock.GetUtcNow().UtcDateTime;
        var counts = new SortedDictionary<string, long>(StringComparer.Ordinal);
        if (rules.BehaviorEventsDays is { } events)
        {
            var cutoff = now.AddDays(-events);
            var old = db.BehaviorEvents.Where(e => e.OccurredAt < cutoff);
            if (dryRun) counts[BehaviorEvents] = await old.LongCountAsync(ct) + await db.PendingEvents.LongCountAsync(e => e.ReceivedAt < cutoff, ct);
            else
            {
                await using var tx = await db.Database.BeginTransactionAsync(ct);
                await Behavior.BehaviorRollup.MarkStaleAsync(db, $"SELECT customer_id AS id FROM behavior_events WHERE occurred_at < {Sql.P(db, 0)}", ct, cutoff);
                counts[BehaviorEvents] = await old.ExecuteDeleteAsync(ct) + await db.PendingEvents.Where(e => e.ReceivedAt < cutoff).ExecuteDeleteAsync(ct);
                await tx.CommitAsync(ct);
            }
        }
        if (rules.EmailMessagesDays is { } mail)
        {
            var cutoff = now.AddDays(-mail);
            var old = db.EmailMessages.Where(m => m.SentAt < cutoff);
            if (dryRun) counts[EmailMessages] = await old.LongCountAsync(ct);
            else
            {
                await using var tx = await db.Database.BeginTransactionAsync(ct);
                // The timeline entries of an old message go with it.
                var entries = db.EmailLinks.Where(l => old.Any(m => m.Id == l.EmailMessageId)).Select(l => l.CommunicationId);
                await DeleteCommunicationsAsync(db.Communications.Where(c => entries.Contains(c.Id)), ct);
                counts[EmailMessages] = await old.ExecuteDeleteAsync(ct);
                await tx.CommitAsync(ct);
            }
        }
        if (rules.CommunicationsDays is { } days)
        {
            var cutoff = now.AddDays(-days);
            var old = db.Communications.Where(c => c.OccurredAt < cutoff);
            counts[Communications] = dryRun ? await old.LongCountAsync(ct) : await DeleteCommunicationsAsync(old, ct);
        }
        if (rules.ImportReportsDays is { } reports)
        {
            var cutoff = now.AddDays(-reports);
            var finished = new[] { ImportStatus.Completed, ImportStatus.Failed, ImportStatus.Cancelled, ImportStatus.Reverted };
            var jobs = db.ImportJobs.Where(j => finished.Contains(j.Status) && j.FinishedAt < cutoff);
            var rows = db.ImportRejections.Where(r => jobs.Any(j => j.Id == r.ImportJobId));
            var changes = db.ImportChanges.Where(c => jobs.Any(j => j.Id == c.ImportJobId));
            if (dryRun) counts[ImportReports] = await rows.LongCountAsync(ct) + await changes.LongCountAsync(ct);
            else
            {
                foreach (var path in await jobs.Select(j => j.StoredPath).ToListAsync(ct))
                    if (Path.GetDirectoryName(Path.GetFullPath(path)) == Path.GetFullPath(Path.Combine(database.DataDirectory, "imports"))) File.Delete(path);
                counts[ImportReports] = await rows.ExecuteDeleteAsync(ct) + await changes.ExecuteDeleteAsync(ct);
            }
        }
        if (rules.DeletedCustomersDays is { } bin)
        {
            var cutoff = now.AddDays(-bin);
            var old = db.Customers.Where(c => c.DeletedAt != null && c.DeletedAt < cutoff && c.MergedIntoId == null);
            if (dryRun) counts[DeletedCustomers] = await old.LongCountAsync(ct);
            else
            {
                var ids = await old.Select(c => c.Id).ToListAsync(ct);
                var admin = new Identity.AccessScope { UserId = 0, Role = Identity.Role.Admin, Policy = Identity.RolePolicies.Defaults.First(p => p.Role == Identity.Role.Admin), OwnerIds = null };
                foreach (var id in ids)
                    await erase.EraseAsync(await PersonalDataSubjects.LoadAsync(db, admin, id, includeDeleted: true, ct), null, "retention", ct);
                counts[DeletedCustomers] = ids.Count;
            }
        }
        return new PurgeResult(dryRun, counts);
    }

    private async Task<long> DeleteCommunicationsAsync(IQueryable<Communications.Communication> old, CancellationToken ct)
    {
        var folder = Path.Combine(database.DataDirectory, "attachments");
        var files = await db.CommunicationAttachments.Where(a => old.Any(c => c.Id == a.CommunicationId)).Select(a => a.StoredName).ToListAsync(ct);
        var n = await old.ExecuteDeleteAsync(ct);
        foreach (var stored in files.Where(f => f.Length == 32 && f.All(char.IsAsciiHexDigitLower))) File.Delete(Path.Combine(folder, stored));
        return n;
    }
}
