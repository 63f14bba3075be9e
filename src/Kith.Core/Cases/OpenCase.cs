using Kith.Core.Communications;
using Kith.Core.History;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Cases;

/// <summary>
/// Opens a case on a customer, or from a communication that needs resolving ("Open case" on the timeline): the
/// communication's customer, company and subject become the case's, and it is the first of its conversation.
/// </summary>
public sealed class OpenCase(KithDb db, CaseRules rules, CaseQueries queries, ChangeLog history, TimeProvider clock)
{
    public async Task<CaseDetail> HandleAsync(CaseInput input, AccessScope scope, ActorKind via, CancellationToken ct)
    {
        scope.EnsureCanCreate();
        var now = clock.GetUtcNow().UtcDateTime;
        var c = New(scope.Actor(via), now);
        await rules.ApplyAsync(c, input, scope, now, ct);
        await AddAsync(db, history, c, null, scope.Actor(via), now, ct);
        return await queries.GetAsync(scope, c.Id, ct);
    }

    public async Task<CaseDetail> FromCommunicationAsync(long communicationId, CaseFromCommunicationInput input, AccessScope scope, ActorKind via, CancellationToken ct)
    {
        scope.EnsureCanCreate();
        if (!await CommunicationAccess.CanReadAsync(db, scope, communicationId, ct)) throw new NotFound("Communication");
        await EnsureNotLinkedAsync(db, communicationId, null, ct);
        var m = await db.Communications.AsNoTracking().FirstAsync(x => x.Id == communicationId, ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var c = New(scope.Actor(via), now);
        var subject = input.Subject ?? m.Subject ?? FirstLine(m.Content) ?? $"{m.Channel} {m.OccurredAt:yyyy-MM-dd}";
        await rules.ApplyAsync(c, new CaseInput
        {
            Subject = subject.Length > CaseInput.MaxSubjectLength && input.Subject is null ? subject[..CaseInput.MaxSubjectLength] : subject,
            CustomerId = m.CustomerId, CompanyId = m.CompanyId, Priority = input.Priority, AssigneeId = input.AssigneeId,
        }, scope, now, ct);
        // An email keeps its thread: replies synced later from a support mailbox continue this case.
        c.ThreadKey = await (from l in db.EmailLinks where l.CommunicationId == communicationId
                             join e in db.EmailMessages on l.EmailMessageId equals e.Id
                             select e.ThreadKey).FirstOrDefaultAsync(ct);
        await AddAsync(db, history, c, communicationId, scope.Actor(via), now, ct);
        return await queries.GetAsync(scope, c.Id, ct);
    }

    internal static ServiceCase New(Actor actor, DateTime now) => new()
    {
        Status = CaseStatus.Open, CreatedAt = now, UpdatedAt = now, CreatedByKind = actor.Kind, CreatedByUserId = actor.UserId,
    };

    /// <summary>Saves a new case, its first communication and its "created" history line together.</summary>
    internal static async Task AddAsync(KithDb db, ChangeLog history, ServiceCase c, long? communicationId, Actor actor, DateTime now, CancellationToken ct)
    {
        // Mail sync calls this inside its batch transaction; on its own it opens one.
        await using var tx = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(ct) : null;
        db.Cases.Add(c);
        if (communicationId is { } id) db.CaseCommunications.Add(new CaseCommunication { Case = c, CommunicationId = id, LinkedAt = now });
        await db.SaveChangesAsync(ct);
        history.Created(CaseRules.HistoryEntity, c.Id, actor, now);
        await db.SaveChangesAsync(ct);
        if (tx is not null) await tx.CommitAsync(ct);
    }

    /// <summary>A communication belongs to one case at most: linking it to a second is a conflict.</summary>
    internal static async Task EnsureNotLinkedAsync(KithDb db, long communicationId, long? exceptCaseId, CancellationToken ct)
    {
        var linked = await db.CaseCommunications.AsNoTracking().Where(l => l.CommunicationId == communicationId && l.CaseId != exceptCaseId)
            .Select(l => (long?)l.CaseId).FirstOrDefaultAsync(ct);
        if (linked is { } other)
            throw new RuleViolation($"Communication {communicationId} already belongs to case #{other + ServiceCase.NumberOffset}.",
                new Dictionary<string, string[]> { ["communicationId"] = ["The communication belongs to another case."] }, 409);
    }

    private static string? FirstLine(string? content) =>
        content?.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
}
