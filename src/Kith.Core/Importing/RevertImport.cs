using Kith.Core.Audit;
using Kith.Core.Customers;
using Kith.Core.History;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Core.Tags;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Importing;

/// <summary>
/// Undoes an import in one transaction: removes every record it created (with whatever hangs on them) and puts the
/// records it changed back as they were before it. Also what a failed or cancelled import runs, so it leaves nothing.
/// </summary>
public sealed class RevertImport(KithDb db, TimeProvider clock)
{
    public async Task<ImportJob> HandleAsync(long jobId, AccessScope scope, CancellationToken ct)
    {
        var job = await ImportQueries.FindAsync(db, scope, jobId, ct);
        if (job.Status is ImportStatus.Queued or ImportStatus.Running)
            throw new RuleViolation("The import is still running: cancel it instead (cancelling reverts what it stored).", new Dictionary<string, string[]>(), 409);
        if (job.Status == ImportStatus.Reverted) throw new RuleViolation("The import was already reverted.", new Dictionary<string, string[]>(), 409);
        if (job.Status is ImportStatus.Failed or ImportStatus.Cancelled)
            throw new RuleViolation("A failed or cancelled import stored nothing: there is nothing to revert.", new Dictionary<string, string[]>(), 409);
        scope.EnsureCanDelete();
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        // A customer this import created that another customer was merged into since holds that customer's records
        // now; removing it would take them along.
        var survivor = await db.CustomerMerges.AsNoTracking()
            .Where(m => m.UndoneAt == null && m.ImportJobId != job.Id && db.Customers.Any(c => c.Id == m.SurvivorId && c.ImportJobId == job.Id))
            .Select(m => new { m.Id, m.SurvivorId }).FirstOrDefaultAsync(ct);
        if (survivor is not null)
            throw new RuleViolation($"Customer #{survivor.SurvivorId}, which this import created, has had another customer merged into it since (merge {survivor.Id}); undo that merge first.",
                new Dictionary<string, string[]>(), 409);
        // Claimed inside the transaction, so two reverts at once cannot both run.
        var now = clock.GetUtcNow().UtcDateTime;
        var claimed = await db.ImportJobs.Where(j => j.Id == job.Id && j.Status == ImportStatus.Completed)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.Status, ImportStatus.Reverted).SetProperty(j => j.RevertedAt, now), ct);
        if (claimed == 0) throw new RuleViolation("The import was already reverted.", new Dictionary<string, string[]>(), 409);
        await UndoAsync(db, job.Id, new Actor(ActorKind.Import, scope.UserId, $"revert of import #{job.Id}"), now, ct);
        await db.AuditNowAsync(AuditActions.ImportReverted, "import", job.Id, new { job.FileName }, ct: ct);
        await tx.CommitAsync(ct);
        db.ChangeTracker.Clear();
        job.Status = ImportStatus.Reverted;
        job.RevertedAt = now;
        return job;
    }

    /// <summary>The undo itself, inside the caller's transaction.</summary>
    internal static async Task UndoAsync(KithDb db, long jobId, Actor actor, DateTime now, CancellationToken ct)
    {
        // Before the rows go: the behaviour rollup counts the customers they belonged to again.
        var p = Sql.P(db, 0);
        await Behavior.BehaviorRollup.MarkStaleAsync(db, $"SELECT customer_id AS id FROM behavior_events WHERE import_job_id = {p} " +
            $"UNION SELECT customer_id FROM purchases WHERE import_job_id = {p} UNION SELECT id FROM customers WHERE import_job_id = {p}", ct, jobId);
        foreach (var table in new[] { "behavior_events", "pending_events", "purchases", "communications", "duplicate_pairs" })
            await Sql.ExecAsync(db, $"DELETE FROM {table} WHERE import_job_id = {Sql.P(db, 0)}", ct, jobId);

        var changes = await db.ImportChanges.AsNoTracking().Where(c => c.ImportJobId == jobId && c.EntityType == ChangeLog.CustomerEntity).ToListAsync(ct);
        var history = new ChangeLog(db);
        foreach (var chunk in changes.Chunk(500))
        {
            var ids = chunk.Select(c => c.EntityId).ToList();
            var customers = await db.Customers.Include(c => c.Tags).Where(c => ids.Contains(c.Id)).ToDictionaryAsync(c => c.Id, ct);
            var tagIds = chunk.SelectMany(c => c.Before is null ? [] : CustomerImportState.Read(c.Before).TagIds).Distinct().ToList();
            var tags = await db.Tags.Where(t => tagIds.Contains(t.Id)).ToDictionaryAsync(t => t.Id, ct);
            var companyIds = chunk.Select(c => c.Before is null ? null : CustomerImportState.Read(c.Before).CompanyId).OfType<long>().Distinct().ToList();
            var companyNames = await db.Companies.Where(x => companyIds.Contains(x.Id)).ToDictionaryAsync(x => x.Id, x => x.Name, ct);
            foreach (var change in chunk)
            {
                if (change.Before is null || !customers.TryGetValue(change.EntityId, out var c)) continue;
                var before = CustomerWriter.Snapshot(c);
                var s = CustomerImportState.Read(change.Before);
                c.Name = s.Name; c.ExternalId = s.ExternalId; c.Email = s.Email; c.Phone = s.Phone; c.PhoneIsValid = s.PhoneIsValid;
                c.BirthDate = s.BirthDate; c.Age = s.Age; c.Gender = s.Gender; c.City = s.City; c.Address = s.Address;
                c.CompanyId = s.CompanyId; c.OwnerId = s.OwnerId; c.Stage = s.Stage; c.Source = s.Source; c.SignupDate = s.SignupDate;
                c.CustomFields = s.CustomFields;
                c.Tags.RemoveAll(t => !s.TagIds.Contains(t.Id));
                foreach (var id in s.TagIds.Where(id => c.Tags.All(t => t.Id != id)))
                    if (tags.TryGetValue(id, out var tag)) c.Tags.Add(tag);
                // A company removed since cannot come back with the customer.
                if (c.CompanyId is { } gone && !companyNames.ContainsKey(gone)) c.CompanyId = null;
                CustomerWriter.SetSearch(c, c.CompanyId is { } cid ? companyNames[cid] : null);
                if (history.Updated(ChangeLog.CustomerEntity, c.Id, before, CustomerWriter.Snapshot(c), actor, now) > 0)
                {
                    c.StampUpdated(actor, now);
                    c.Version++;
                }
            }
            await db.SaveChangesAsync(ct);
            db.ChangeTracker.Clear();
        }
        var companyChanges = await db.ImportChanges.AsNoTracking().Where(c => c.ImportJobId == jobId && c.EntityType == ChangeLog.CompanyEntity).ToListAsync(ct);
        foreach (var chunk in companyChanges.Chunk(500))
        {
            var ids = chunk.Select(c => c.EntityId).ToList();
            var companies = await db.Companies.Include(c => c.Tags).Where(c => ids.Contains(c.Id)).ToDictionaryAsync(c => c.Id, ct);
            var tagIds = chunk.SelectMany(c => c.Before is null ? [] : CompanyImportState.TagIds(c.Before)).Distinct().ToList();
            var tags = await db.Tags.Where(t => tagIds.Contains(t.Id)).ToDictionaryAsync(t => t.Id, ct);
            foreach (var change in chunk)
            {
                if (change.Before is null || !companies.TryGetValue(change.EntityId, out var c)) continue;
                var before = Companies.CompanyWriter.Snapshot(c);
                CompanyImportState.Restore(c, change.Before, tags);
                if (history.Updated(ChangeLog.CompanyEntity, c.Id, before, Companies.CompanyWriter.Snapshot(c), actor, now) > 0)
                {
                    c.StampUpdated(actor, now);
                    c.Version++;
                }
            }
            await db.SaveChangesAsync(ct);
            db.ChangeTracker.Clear();
        }
        // The hidden records of rows merged by this import go with the customers it created, and so do their merges.
        await Sql.ExecAsync(db, $"DELETE FROM customer_merges WHERE import_job_id = {Sql.P(db, 0)}", ct, jobId);
        await Sql.ExecAsync(db, $"DELETE FROM customers WHERE import_job_id = {Sql.P(db, 0)}", ct, jobId);
        await Sql.ExecAsync(db, $"DELETE FROM companies WHERE import_job_id = {Sql.P(db, 0)}", ct, jobId);
        await Sql.ExecAsync(db, $"DELETE FROM import_changes WHERE import_job_id = {Sql.P(db, 0)}", ct, jobId);
    }
}
