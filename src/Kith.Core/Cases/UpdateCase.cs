using System.Text.Json;
using Kith.Core.Customers;
using Kith.Core.History;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;

namespace Kith.Core.Cases;

/// <summary>
/// Changes a case: subject, customer, company, priority (which moves its SLA due time), assignee and status (along
/// the moves <see cref="CaseRules.CanMove"/> allows). Every changed field is a line of the case's history.
/// </summary>
public sealed class UpdateCase(KithDb db, CaseRules rules, CaseQueries queries, ChangeLog history, TimeProvider clock)
{
    private static readonly string[] s_readOnly = ["id", "number", "dueAt", "breached", "firstRespondedAt", "resolvedAt", "closedAt", "createdAt", "updatedAt"];

    public async Task<CaseDetail> HandleAsync(long id, CaseInput input, AccessScope scope, ActorKind via, CancellationToken ct)
    {
        scope.EnsureCanEdit();
        var c = await CaseQueries.FindAsync(db, rules, scope, id, ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var before = CaseRules.Snapshot(c);
        await rules.ApplyAsync(c, input, scope, now, ct);
        if (history.Updated(CaseRules.HistoryEntity, c.Id, before, CaseRules.Snapshot(c), scope.Actor(via), now) > 0) c.UpdatedAt = now;
        await db.SaveChangesAsync(ct);
        return await queries.GetAsync(scope, id, ct);
    }

    /// <summary>PATCH: an RFC 7386 merge patch over the case's current fields, checked like a full change.</summary>
    public async Task<CaseDetail> PatchAsync(long id, JsonElement patch, AccessScope scope, ActorKind via, CancellationToken ct)
    {
        var c = await CaseQueries.FindAsync(db, rules, scope, id, ct);
        var input = MergePatch.Apply(Current(c), patch, s_readOnly);
        return await HandleAsync(id, input, scope, via, ct);
    }

    /// <summary>Moves a case to another status (the board's drag and drop), keeping every other field.</summary>
    public async Task<CaseDetail> MoveAsync(long id, CaseStatus status, AccessScope scope, ActorKind via, CancellationToken ct)
    {
        var input = Current(await CaseQueries.FindAsync(db, rules, scope, id, ct));
        input.Status = status;
        return await HandleAsync(id, input, scope, via, ct);
    }

    public static CaseInput Current(ServiceCase c) => new()
    {
        Subject = c.Subject, CustomerId = c.CustomerId, CompanyId = c.CompanyId, Priority = c.Priority, Status = c.Status, AssigneeId = c.AssigneeId,
    };
}
