using System.Globalization;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Cases;

/// <summary>
/// What makes a case valid, how its status may move, and who reaches it: whoever reaches its customer (the
/// customer's owner, their team, managers and administrators by the role's reach). Out of reach is 404.
/// </summary>
public sealed class CaseRules(KithDb db, CaseSlaTargets sla)
{
    public const string HistoryEntity = "case";

    public IQueryable<ServiceCase> Visible(AccessScope scope)
    {
        var customers = scope.Visible(db.Customers.AsNoTracking());
        return db.Cases.AsNoTracking().Where(c => customers.Any(cu => cu.Id == c.CustomerId));
    }

    /// <summary>
    /// The moves a service desk makes: open and pending swap while work goes on; either may be resolved or closed;
    /// a resolved case reopens or is closed. Closed is final: a customer who writes again gets a new case.
    /// </summary>
    public static bool CanMove(CaseStatus from, CaseStatus to) => from == to || from switch
    {
        CaseStatus.Open or CaseStatus.Pending => true,
        CaseStatus.Resolved => to is CaseStatus.Open or CaseStatus.Closed,
        _ => false,
    };

    /// <summary>Moves the case to <paramref name="to"/>, stamping or clearing its resolved and closed times.</summary>
    public static void Move(ServiceCase c, CaseStatus to, DateTime now)
    {
        if (!CanMove(c.Status, to))
            throw RuleViolation.Field("status", c.Status == CaseStatus.Closed
                ? "A closed case cannot change status; open a new case."
                : $"A {Name(c.Status)} case cannot move to {Name(to)}.");
        if (c.Status == to) return;
        c.Status = to;
        switch (to)
        {
            case CaseStatus.Resolved:
                c.ResolvedAt = now;
                break;
            case CaseStatus.Closed:
                c.ResolvedAt ??= now;
                c.ClosedAt = now;
                break;
            default:
                c.ResolvedAt = null;
                break;
        }
    }

    /// <summary>Checks the input and copies it onto <paramref name="c"/>; throws a RuleViolation naming every bad field.</summary>
    public async Task ApplyAsync(ServiceCase c, CaseInput input, AccessScope scope, DateTime now, CancellationToken ct)
    {
        var isNew = c.Id == 0;
        var errors = new Dictionary<string, string[]>();
        var subject = input.Subject?.Trim();
        if (string.IsNullOrEmpty(subject)) errors["subject"] = ["A case needs a subject."];
        else if (subject.Length > CaseInput.MaxSubjectLength) errors["subject"] = [$"The subject is longer than {CaseInput.MaxSubjectLength} characters."];
        var customers = scope.Visible(db.Customers.AsNoTracking());
        long? customerCompany = null;
        if (input.CustomerId is not { } customerId) errors["customerId"] = ["A case needs a customer (customerId)."];
        else if (await customers.Where(cu => cu.Id == customerId).Select(cu => new { cu.CompanyId }).FirstOrDefaultAsync(ct) is not { } customer)
            errors["customerId"] = [$"There is no customer {customerId}."];
        else customerCompany = customer.CompanyId;
        if (input.CompanyId is { } companyId && !await scope.Visible(db.Companies.AsNoTracking()).AnyAsync(co => co.Id == companyId, ct))
            errors["companyId"] = [$"There is no company {companyId}."];
        if (input.Priority is { } p && !Enum.IsDefined(p)) errors["priority"] = ["priority must be low, normal, high or urgent."];
        if (isNew && input.Status is { } s && s != CaseStatus.Open) errors["status"] = ["A new case is open; change its status afterwards."];
        if (input.AssigneeId is { } assignee && assignee != c.AssigneeId && await AssigneeErrorAsync(assignee, scope, ct) is { } bad)
            errors["assigneeId"] = [bad];
        if (errors.Count > 0) throw new RuleViolation(errors.First().Value[0], errors);

        var priority = input.Priority ?? CasePriority.Normal;
        if (isNew || priority != c.Priority) c.DueAt = (await sla.GetAsync(ct)).DueFrom(isNew ? now : c.CreatedAt, priority);
        c.Subject = subject!;
        c.CustomerId = input.CustomerId!.Value;
        c.CompanyId = input.CompanyId ?? (isNew ? customerCompany : null);
        c.Priority = priority;
        c.AssigneeId = input.AssigneeId;
        if (!isNew && input.Status is { } status) Move(c, status, now);
    }

    /// <summary>Why this user may not be assigned by the caller, or null when they may.</summary>
    private async Task<string?> AssigneeErrorAsync(long assignee, AccessScope scope, CancellationToken ct)
    {
        if (!await db.Users.AnyAsync(u => u.Id == assignee && !u.IsDisabled, ct) || !scope.CanReachOwner(assignee))
            return $"There is no user {assignee} you can assign cases to.";
        if (assignee != scope.UserId && !scope.Policy.CanAssign) return "Your role may only assign cases to yourself.";
        return null;
    }

    /// <summary>The fields whose changes the case's history records, by their API names.</summary>
    public static Dictionary<string, string?> Snapshot(ServiceCase c) => new()
    {
        ["subject"] = c.Subject,
        ["customerId"] = c.CustomerId.ToString(CultureInfo.InvariantCulture),
        ["companyId"] = c.CompanyId?.ToString(CultureInfo.InvariantCulture),
        ["status"] = Name(c.Status),
        ["priority"] = c.Priority.ToString().ToLowerInvariant(),
        ["assigneeId"] = c.AssigneeId?.ToString(CultureInfo.InvariantCulture),
    };

    public static string Name(CaseStatus status) => status.ToString().ToLowerInvariant();
}
