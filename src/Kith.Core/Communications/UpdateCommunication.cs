using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Communications;

/// <summary>Replaces what a communication says (PUT semantics: the whole input); its creator stays a participant.</summary>
public sealed class UpdateCommunication(KithDb db, CommunicationChoices choices, CommunicationQueries queries, TimeProvider clock)
{
    public async Task<CommunicationDetail> HandleAsync(long id, CommunicationInput input, AccessScope scope, CancellationToken ct)
    {
        scope.EnsureCanEdit();
        await queries.GetAsync(scope, id, ct);
        if (input.FollowUp is not null) throw RuleViolation.Field("followUp", "Create a follow-up task with POST /api/v1/tasks when editing.");
        var c = await db.Communications.Include(x => x.Participants).FirstAsync(x => x.Id == id, ct);
        var now = clock.GetUtcNow().UtcDateTime;
        await CommunicationRules.ApplyAsync(db, choices, c, input, scope, now, ct);
        var users = input.ParticipantUserIds.Append(c.CreatedByUserId ?? 0).Where(u => u > 0).Distinct().ToHashSet();
        var customers = input.ParticipantCustomerIds.Where(x => x != c.CustomerId).ToHashSet();
        c.Participants.RemoveAll(p => p.UserId is { } u ? !users.Remove(u) : !customers.Remove(p.CustomerId!.Value));
        foreach (var u in users) c.Participants.Add(new CommunicationParticipant { UserId = u });
        foreach (var x in customers) c.Participants.Add(new CommunicationParticipant { CustomerId = x });
        c.UpdatedAt = now;
        await db.SaveChangesAsync(ct);
        return await queries.GetAsync(scope, id, ct);
    }
}

/// <summary>Removes a communication with its participants and attachments (files too); its follow-up tasks stay, unlinked.</summary>
public sealed class DeleteCommunication(KithDb db, CommunicationQueries queries, AttachmentStore files)
{
    public async Task HandleAsync(long id, AccessScope scope, CancellationToken ct)
    {
        scope.EnsureCanDelete();
        await queries.GetAsync(scope, id, ct);
        var stored = await db.CommunicationAttachments.Where(a => a.CommunicationId == id).Select(a => a.StoredName).ToListAsync(ct);
        await db.Communications.Where(c => c.Id == id).ExecuteDeleteAsync(ct);
        foreach (var name in stored) files.Remove(name);
    }
}
