using Kith.Core.Communications;
using Kith.Core.History;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Cases;

/// <summary>Reads cases within the caller's reach: the list and board, one case with its conversation, a customer's cases.</summary>
public sealed class CaseQueries(KithDb db, CaseRules rules, ChangeLog history, TimeProvider clock)
{
    public const int DefaultLimit = 50, MaxLimit = 200;

    public async Task<CasePage> ListAsync(AccessScope scope, CaseFilter filter, string? cursor, int limit, CancellationToken ct)
    {
        if (limit is < 1 or > MaxLimit) throw RuleViolation.Field("limit", $"limit must be between 1 and {MaxLimit}.");
        var now = Now();
        var cases = rules.Visible(scope);
        if (filter.Statuses is { Count: > 0 })
        {
            var statuses = filter.Statuses.ToArray();
            cases = cases.Where(c => statuses.Contains(c.Status));
        }
        if (filter.Priorities is { Count: > 0 })
        {
            var priorities = filter.Priorities.ToArray();
            cases = cases.Where(c => priorities.Contains(c.Priority));
        }
        if (filter.Unassigned) cases = cases.Where(c => c.AssigneeId == null);
        else if (filter.AssigneeId is { } assignee) cases = cases.Where(c => c.AssigneeId == assignee);
        if (filter.CustomerId is { } customer) cases = cases.Where(c => c.CustomerId == customer);
        if (filter.Breached is { } breached)
            cases = breached
                ? cases.Where(c => c.ResolvedAt != null ? c.ResolvedAt > c.DueAt : c.DueAt < now)
                : cases.Where(c => c.ResolvedAt != null ? c.ResolvedAt <= c.DueAt : c.DueAt >= now);
        if (filter.Query?.Trim() is { Length: > 0 } q)
        {
            var id = long.TryParse(q.TrimStart('#'), out var number) ? number - ServiceCase.NumberOffset : 0;
            var words = q.ToLowerInvariant();
            cases = cases.Where(c => c.Id == id || c.Subject.ToLower().Contains(words));
        }
        var (rows, next) = await Keyset.PageAsync(cases, c => c.CreatedAt, c => c.Id, cursor, limit, ct);
        return new CasePage(await ItemsAsync(rows, ct), next);
    }

    public async Task<CaseDetail> GetAsync(AccessScope scope, long id, CancellationToken ct)
    {
        var c = await rules.Visible(scope).FirstOrDefaultAsync(x => x.Id == id, ct) ?? throw new NotFound("Case");
        var names = await (from cu in db.Customers.Where(x => x.Id == c.CustomerId)
                           select new
                           {
                               Customer = cu.Name,
                               Company = db.Companies.Where(co => co.Id == c.CompanyId).Select(co => co.Name).FirstOrDefault(),
                               Assignee = db.Users.Where(u => u.Id == c.AssigneeId).Select(u => u.DisplayName != "" ? u.DisplayName : u.Email).FirstOrDefault(),
                           }).FirstAsync(ct);
        var linked = await (from l in db.CaseCommunications.AsNoTracking()
                            where l.CaseId == id
                            join m in db.Communications.AsNoTracking() on l.CommunicationId equals m.Id
                            orderby m.OccurredAt, m.Id
                            select new { m, l.LinkedAt }).Take(1000).ToListAsync(ct);
        var readable = (await CommunicationAccess.ReadableAsync(db, scope, linked.Select(x => x.m).ToList(), ct)).Select(m => m.Id).ToHashSet();
        var communications = linked.Where(x => readable.Contains(x.m.Id))
            .Select(x => new CaseCommunicationItem(x.m.Id, x.m.OccurredAt, x.m.Channel, x.m.Direction, x.m.Subject, x.m.Content, x.LinkedAt)).ToList();
        int? firstResponse = c.FirstRespondedAt is { } at ? (int)Math.Max(0, (at - c.CreatedAt).TotalMinutes) : null;
        return new CaseDetail(c.Id, c.Number, c.Subject, c.CustomerId, names.Customer, c.CompanyId, names.Company, c.Status, c.Priority,
            c.AssigneeId, names.Assignee, c.DueAt, c.IsBreached(Now()), c.FirstRespondedAt, firstResponse, c.ResolvedAt, c.ClosedAt,
            c.CreatedAt, c.UpdatedAt, communications, await history.ForAsync(CaseRules.HistoryEntity, id, [], ct));
    }

    /// <summary>The case a communication belongs to, when the caller reaches it; null when it belongs to none.</summary>
    public async Task<CaseListItem?> ForCommunicationAsync(AccessScope scope, long communicationId, CancellationToken ct)
    {
        var caseId = await db.CaseCommunications.AsNoTracking().Where(l => l.CommunicationId == communicationId).Select(l => (long?)l.CaseId).FirstOrDefaultAsync(ct);
        if (caseId is null) return null;
        var rows = await rules.Visible(scope).Where(c => c.Id == caseId).ToListAsync(ct);
        return (await ItemsAsync(rows, ct)).FirstOrDefault();
    }

    private async Task<List<CaseListItem>> ItemsAsync(List<ServiceCase> rows, CancellationToken ct)
    {
        var customerIds = rows.Select(r => r.CustomerId).Distinct().ToList();
        var userIds = rows.Where(r => r.AssigneeId != null).Select(r => r.AssigneeId!.Value).Distinct().ToList();
        var customers = await db.Customers.AsNoTracking().Where(c => customerIds.Contains(c.Id)).ToDictionaryAsync(c => c.Id, c => c.Name, ct);
        var users = await db.Users.AsNoTracking().Where(u => userIds.Contains(u.Id))
            .ToDictionaryAsync(u => u.Id, u => u.DisplayName != "" ? u.DisplayName : u.Email, ct);
        var now = Now();
        return rows.Select(c => new CaseListItem(c.Id, c.Number, c.Subject, c.CustomerId, customers.GetValueOrDefault(c.CustomerId, ""), c.Status,
            c.Priority, c.AssigneeId, c.AssigneeId is { } a ? users.GetValueOrDefault(a) : null, c.DueAt, c.IsBreached(now), c.FirstRespondedAt,
            c.CreatedAt, c.UpdatedAt)).ToList();
    }

    /// <summary>The people the caller may assign cases to: active users in their reach (only themselves when their role may not assign).</summary>
    public async Task<List<CaseAssignee>> AssigneesAsync(AccessScope scope, CancellationToken ct)
    {
        var users = db.Users.AsNoTracking().Where(u => !u.IsDisabled);
        if (!scope.Policy.CanAssign) users = users.Where(u => u.Id == scope.UserId);
        else if (scope.OwnerIds is { } owners)
        {
            var ids = owners.ToArray();
            users = users.Where(u => ids.Contains(u.Id));
        }
        return await users.OrderBy(u => u.DisplayName).ThenBy(u => u.Email)
            .Select(u => new CaseAssignee(u.Id, u.DisplayName != "" ? u.DisplayName : u.Email)).Take(1000).ToListAsync(ct);
    }

    internal static async Task<ServiceCase> FindAsync(KithDb db, CaseRules rules, AccessScope scope, long id, CancellationToken ct)
    {
        if (!await rules.Visible(scope).AnyAsync(c => c.Id == id, ct)) throw new NotFound("Case");
        return await db.Cases.FirstAsync(c => c.Id == id, ct);
    }

    private DateTime Now() => clock.GetUtcNow().UtcDateTime;
}
