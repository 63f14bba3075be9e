using Kith.Core.Communications;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Cases;

/// <summary>
/// Adds a later communication with the customer to a case's conversation. Linking one that is already on the case
/// changes nothing; one on another case is a conflict. An outbound one after the case opened is its first response.
/// </summary>
public sealed class LinkCaseCommunication(KithDb db, CaseRules rules, CaseQueries queries, TimeProvider clock)
{
    public async Task<CaseDetail> HandleAsync(long caseId, CaseLinkInput input, AccessScope scope, CancellationToken ct)
    {
        scope.EnsureCanEdit();
        var c = await CaseQueries.FindAsync(db, rules, scope, caseId, ct);
        if (input.CommunicationId is not { } id) throw RuleViolation.Field("communicationId", "Name the communication to link (communicationId).");
        if (!await CommunicationAccess.CanReadAsync(db, scope, id, ct)) throw RuleViolation.Field("communicationId", $"There is no communication {id}.");
        var m = await db.Communications.AsNoTracking().Where(x => x.Id == id)
            .Select(x => new { x.CustomerId, x.Direction, x.OccurredAt, WithCustomer = x.Participants.Any(p => p.CustomerId == c.CustomerId) })
            .FirstAsync(ct);
        if (m.CustomerId != c.CustomerId && !m.WithCustomer)
            throw RuleViolation.Field("communicationId", $"Communication {id} is with another customer than the case's.");
        await OpenCase.EnsureNotLinkedAsync(db, id, caseId, ct);
        if (!await db.CaseCommunications.AnyAsync(l => l.CommunicationId == id, ct))
        {
            var now = clock.GetUtcNow().UtcDateTime;
            db.CaseCommunications.Add(new CaseCommunication { CaseId = caseId, CommunicationId = id, LinkedAt = now });
            if (m.Direction == Direction.Outbound) NoteResponse(c, m.OccurredAt);
            c.UpdatedAt = now;
            await db.SaveChangesAsync(ct);
        }
        return await queries.GetAsync(scope, caseId, ct);
    }

    /// <summary>Outbound contact at <paramref name="at"/> is the case's first response when none came earlier since it opened.</summary>
    internal static void NoteResponse(ServiceCase c, DateTime at)
    {
        if (at >= c.CreatedAt && (c.FirstRespondedAt is null || at < c.FirstRespondedAt)) c.FirstRespondedAt = at;
    }
}
