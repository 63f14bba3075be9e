using Kith.Core.Communications;
using Kith.Core.History;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;

namespace Kith.Core.Cases;

/// <summary>
/// Logs a reply to the customer on a case (a call made, a message sent elsewhere): an outbound communication on the
/// customer's timeline, linked to the case, and the case's first response when it is the first. It may move the case
/// too (to pending while waiting on the customer, or resolved).
/// </summary>
public sealed class ReplyToCase(KithDb db, CaseRules rules, CaseQueries queries, LogCommunication log, ChangeLog history, TimeProvider clock)
{
    public async Task<CaseDetail> HandleAsync(long caseId, CaseReplyInput input, AccessScope scope, ActorKind via, CancellationToken ct)
    {
        scope.EnsureCanEdit();
        var c = await CaseQueries.FindAsync(db, rules, scope, caseId, ct);
        if (string.IsNullOrWhiteSpace(input.Content)) throw RuleViolation.Field("content", "Write the reply (content).");
        if (input.Status is { } to && !CaseRules.CanMove(c.Status, to))
            throw RuleViolation.Field("status", $"A {CaseRules.Name(c.Status)} case cannot move to {CaseRules.Name(to)}.");
        var subject = c.Subject.StartsWith("Re:", StringComparison.OrdinalIgnoreCase) ? c.Subject : "Re: " + c.Subject;
        var logged = await log.HandleAsync(new CommunicationInput
        {
            CustomerId = c.CustomerId, CompanyId = c.CompanyId, Channel = input.Channel ?? "email", Direction = Direction.Outbound,
            Subject = subject.Length > 500 ? subject[..500] : subject, Content = input.Content,
        }, scope, via, null, ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var before = CaseRules.Snapshot(c);
        db.CaseCommunications.Add(new CaseCommunication { CaseId = caseId, CommunicationId = logged.Communication.Id, LinkedAt = now });
        LinkCaseCommunication.NoteResponse(c, now);
        if (input.Status is { } status) CaseRules.Move(c, status, now);
        history.Updated(CaseRules.HistoryEntity, c.Id, before, CaseRules.Snapshot(c), scope.Actor(via), now);
        c.UpdatedAt = now;
        await db.SaveChangesAsync(ct);
        return await queries.GetAsync(scope, caseId, ct);
    }
}
