using Kith.Core.Communications;
using Kith.Core.History;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Cases;

/// <summary>One synced message of a support mailbox, as its customer's communication.</summary>
public sealed record SupportMail(long CommunicationId, long CustomerId, string ThreadKey, Direction Direction, string? Subject, DateTime SentAt);

/// <summary>
/// Email to a support address: a message that starts a thread opens a case for its sender; a message in the thread
/// of a case continues it (and the customer writing again reopens a pending or resolved case); our own replies in
/// the thread are the case's responses. A thread whose case is closed starts a new case. Runs inside the mail sync's
/// batch transaction, so a batch that fails leaves no case behind either.
/// </summary>
public sealed class CaseMail(KithDb db, CaseSlaTargets sla, ChangeLog history, TimeProvider clock)
{
    public async Task TakeAsync(SupportMail mail, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var c = await db.Cases.Where(x => x.ThreadKey == mail.ThreadKey && x.Status != CaseStatus.Closed)
            .OrderByDescending(x => x.Id).FirstOrDefaultAsync(ct);
        if (c is null)
        {
            // Our own message that starts a thread is outreach, not a request.
            if (mail.Direction == Direction.Outbound) return;
            var opened = OpenCase.New(Actor.System, now);
            opened.Subject = Subject(mail.Subject);
            opened.CustomerId = mail.CustomerId;
            opened.CompanyId = await db.Customers.Where(x => x.Id == mail.CustomerId).Select(x => x.CompanyId).FirstOrDefaultAsync(ct);
            opened.DueAt = (await sla.GetAsync(ct)).DueFrom(now, opened.Priority);
            opened.ThreadKey = mail.ThreadKey;
            await OpenCase.AddAsync(db, history, opened, mail.CommunicationId, Actor.System, now, ct);
            return;
        }
        var before = CaseRules.Snapshot(c);
        db.CaseCommunications.Add(new CaseCommunication { CaseId = c.Id, CommunicationId = mail.CommunicationId, LinkedAt = now });
        if (mail.Direction == Direction.Outbound) LinkCaseCommunication.NoteResponse(c, mail.SentAt);
        else if (c.Status is CaseStatus.Pending or CaseStatus.Resolved) CaseRules.Move(c, CaseStatus.Open, now);
        history.Updated(CaseRules.HistoryEntity, c.Id, before, CaseRules.Snapshot(c), Actor.System, now);
        c.UpdatedAt = now;
        await db.SaveChangesAsync(ct);
    }

    private static string Subject(string? subject)
    {
        var s = string.IsNullOrWhiteSpace(subject) ? "(no subject)" : subject.Trim();
        return s.Length > CaseInput.MaxSubjectLength ? s[..CaseInput.MaxSubjectLength] : s;
    }
}
