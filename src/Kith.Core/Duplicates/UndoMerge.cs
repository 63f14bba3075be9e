using Kith.Core.Audit;
using Kith.Core.Customers;
using Kith.Core.History;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Duplicates;

/// <summary>
/// Undoes a merge: the survivor gets back the fields and tags it had just before (later edits to those fields give
/// way; the history shows both), the records that moved go back, earlier merges point at the revived customer again,
/// the duplicate pairs return to their former state, and the merged customer is live again. Refused while a later
/// merge builds on this one: the survivor merged into another customer, or another customer merged into it.
/// </summary>
public sealed class UndoMerge(KithDb db, DuplicateQueries queries, TimeProvider clock)
{
    private const int IdsPerStatement = 1_000;

    public async Task<CustomerMergeView> HandleAsync(long mergeId, AccessScope scope, ActorKind via, CancellationToken ct)
    {
        await using (var tx = await db.Database.BeginTransactionAsync(ct))
        {
            var merge = await db.CustomerMerges.FirstOrDefaultAsync(m => m.Id == mergeId, ct) ?? throw new NotFound("Merge");
            var survivor = await db.Customers.Include(c => c.Tags).FirstOrDefaultAsync(c => c.Id == merge.SurvivorId, ct);
            var merged = await db.Customers.FirstOrDefaultAsync(c => c.Id == merge.MergedId, ct);
            if (survivor is null || merged is null || !scope.CanReachOwner(survivor.OwnerId) || !scope.CanReachOwner(merged.OwnerId))
                throw new NotFound("Merge");
            scope.EnsureCanEdit();
            scope.EnsureCanDelete();
            await EnsureUndoableAsync(merge, survivor, merged, ct);

            var actor = scope.Actor(via);
            var now = clock.GetUtcNow().UtcDateTime;
            var snapshot = CustomerWriter.Snapshot(survivor);
            var before = SurvivorState.Read(merge.SurvivorBefore);
            before.ApplyTo(survivor);
            var tagIds = before.TagIds;
            var tags = tagIds.Length == 0 ? [] : await db.Tags.Where(t => tagIds.Contains(t.Id)).ToListAsync(ct);
            survivor.Tags.RemoveAll(t => !tagIds.Contains(t.Id));
            foreach (var tag in tags.Where(t => !survivor.Tags.Contains(t))) survivor.Tags.Add(tag);
            var companyName = survivor.CompanyId is { } companyId
                ? await db.Companies.AsNoTracking().Where(c => c.Id == companyId).Select(c => c.Name).FirstOrDefaultAsync(ct)
                : null;
            CustomerWriter.SetSearch(survivor, companyName);

            // Only what is still where the merge put it goes back; a record moved on since stays where it is now.
            var moved = MergedRecords.Read(merge.Moved);
            await Kith.Core.Behavior.BehaviorRollup.MarkStaleAsync(db, [survivor.Id, merged.Id], ct);
            foreach (var ids in moved.Purchases.Chunk(IdsPerStatement))
                await db.Purchases.Where(p => ids.Contains(p.Id) && p.CustomerId == survivor.Id)
                    .ExecuteUpdateAsync(s => s.SetProperty(p => p.CustomerId, merged.Id), ct);
            foreach (var ids in moved.Communications.Chunk(IdsPerStatement))
                await db.Communications.Where(c => ids.Contains(c.Id) && c.CustomerId == survivor.Id)
                    .ExecuteUpdateAsync(s => s.SetProperty(c => c.CustomerId, merged.Id), ct);
            foreach (var ids in moved.Events.Chunk(IdsPerStatement))
                await db.BehaviorEvents.Where(e => ids.Contains(e.Id) && e.CustomerId == survivor.Id)
                    .ExecuteUpdateAsync(s => s.SetProperty(e => e.CustomerId, merged.Id), ct);
            foreach (var ids in moved.Tasks.Chunk(IdsPerStatement))
                await db.Tasks.Where(t => ids.Contains(t.Id) && t.CustomerId == survivor.Id)
                    .ExecuteUpdateAsync(s => s.SetProperty(t => t.CustomerId, merged.Id), ct);
            foreach (var ids in moved.Cases.Chunk(IdsPerStatement))
                await db.Cases.Where(c => ids.Contains(c.Id) && c.CustomerId == survivor.Id)
                    .ExecuteUpdateAsync(s => s.SetProperty(c => c.CustomerId, merged.Id), ct);
            foreach (var ids in moved.Feedback.Chunk(IdsPerStatement))
                await db.Feedback.Where(f => ids.Contains(f.Id) && f.CustomerId == survivor.Id)
                    .ExecuteUpdateAsync(s => s.SetProperty(f => f.CustomerId, merged.Id), ct);
            foreach (var ids in moved.Surveys.Chunk(IdsPerStatement))
                await db.FeedbackSurveys.Where(v => ids.Contains(v.Id) && v.CustomerId == survivor.Id)
                    .ExecuteUpdateAsync(s => s.SetProperty(v => v.CustomerId, merged.Id), ct);
            foreach (var ids in moved.Participants.Chunk(IdsPerStatement))
                await db.CommunicationParticipants.Where(p => ids.Contains(p.Id) && p.CustomerId == survivor.Id)
                    .ExecuteUpdateAsync(s => s.SetProperty(p => p.CustomerId, merged.Id), ct);
            foreach (var ids in moved.Tombstones.Chunk(IdsPerStatement))
                await db.Customers.Where(c => ids.Contains(c.Id) && c.MergedIntoId == survivor.Id)
                    .ExecuteUpdateAsync(s => s.SetProperty(c => c.MergedIntoId, merged.Id), ct);
            var pairIds = moved.Pairs.Select(p => p.Id).ToArray();
            var pairs = pairIds.Length == 0 ? [] : await db.DuplicatePairs.Where(p => pairIds.Contains(p.Id)).ToDictionaryAsync(p => p.Id, ct);
            foreach (var was in moved.Pairs)
            {
                if (!pairs.TryGetValue(was.Id, out var pair)) continue;
                pair.CustomerId = was.CustomerId;
                pair.OtherCustomerId = was.OtherCustomerId;
                pair.Status = was.Status;
                pair.ResolvedAt = was.ResolvedAt;
                pair.ResolvedByUserId = was.ResolvedByUserId;
            }

            merged.DeletedAt = null;
            merged.MergedIntoId = null;
            merged.StampUpdated(actor, now);
            merged.Version++;
            survivor.StampUpdated(actor, now);
            survivor.Version++;
            merge.UndoneAt = now;

            var set = Guid.NewGuid();
            MergeHistory.Add(db, survivor.Id, ChangeAction.Unmerged, "mergedFrom", MergeHistory.Describe(merged), null, actor, now, set);
            MergeHistory.Fields(db, survivor.Id, ChangeAction.Unmerged, snapshot, CustomerWriter.Snapshot(survivor), actor, now, set);
            MergeHistory.Add(db, merged.Id, ChangeAction.Unmerged, "mergedInto", MergeHistory.Describe(survivor), null, actor, now, set);
            db.Audit(AuditActions.MergeUndone, "customer", survivor.Id, new { mergedId = merged.Id, mergeId }, db.AuditWho.As(actor), now);
            await RecordSaving.SaveAsync(db, "Customer", ct);
            await tx.CommitAsync(ct);
        }
        return await queries.MergeAsync(scope, mergeId, ct);
    }

    private async Task EnsureUndoableAsync(CustomerMerge merge, Customer survivor, Customer merged, CancellationToken ct)
    {
        if (merge.UndoneAt is not null) throw Conflict("This merge was undone already.");
        if (survivor.MergedIntoId is not null)
            throw Conflict($"{survivor.Name} was merged into another customer since; undo that merge first.");
        var later = await db.CustomerMerges.AsNoTracking()
            .Where(m => m.Id > merge.Id && m.UndoneAt == null && m.SurvivorId == survivor.Id)
            .OrderByDescending(m => m.Id).Select(m => (long?)m.Id).FirstOrDefaultAsync(ct);
        if (later is { } id)
            throw Conflict($"Another customer was merged into {survivor.Name} since (merge {id}); undo that merge first.");
        if (survivor.DeletedAt is not null) throw Conflict($"{survivor.Name} is in the bin; restore it before undoing the merge.");
        if (merged.MergedIntoId != survivor.Id || merged.DeletedAt is null)
            throw Conflict("The merged customer is no longer hidden in the survivor; this merge cannot be undone.");
    }

    private static RuleViolation Conflict(string message) => new(message, status: 409);
}
