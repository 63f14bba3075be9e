using Kith.Core.Communications;
using Kith.Core.History;

namespace Kith.Core.Cases;

/// <summary>One line of the case list and board.</summary>
public sealed record CaseListItem(
    long Id, long Number, string Subject, long CustomerId, string CustomerName, CaseStatus Status, CasePriority Priority,
    long? AssigneeId, string? AssigneeName, DateTime DueAt, bool Breached, DateTime? FirstRespondedAt, DateTime CreatedAt, DateTime UpdatedAt);

/// <summary>A communication of a case as the case page shows it; private ones the caller may not read are left out.</summary>
public sealed record CaseCommunicationItem(long Id, DateTime OccurredAt, string Channel, Direction? Direction, string? Subject, string? Content, DateTime LinkedAt);

/// <summary>One case as GET /api/v1/cases/{id} answers it, with its conversation and its history of changes.</summary>
public sealed record CaseDetail(
    long Id, long Number, string Subject, long CustomerId, string CustomerName, long? CompanyId, string? CompanyName,
    CaseStatus Status, CasePriority Priority, long? AssigneeId, string? AssigneeName, DateTime DueAt, bool Breached,
    DateTime? FirstRespondedAt, int? FirstResponseMinutes, DateTime? ResolvedAt, DateTime? ClosedAt, DateTime CreatedAt, DateTime UpdatedAt,
    IReadOnlyList<CaseCommunicationItem> Communications, IReadOnlyList<HistoryEntry> History);

/// <summary>A page of cases, newest first, and the cursor of the next page.</summary>
public sealed record CasePage(IReadOnlyList<CaseListItem> Items, string? NextCursor);

/// <summary>
/// What the list shows: statuses and priorities (none = all), an assignee (<see cref="Unassigned"/> for none), a
/// customer, only breached (or only not breached) cases, and words of the subject or a number (#1042).
/// </summary>
public sealed record CaseFilter(
    IReadOnlyCollection<CaseStatus>? Statuses = null, IReadOnlyCollection<CasePriority>? Priorities = null, long? AssigneeId = null,
    bool Unassigned = false, long? CustomerId = null, bool? Breached = null, string? Query = null);

/// <summary>Someone a case can be assigned to.</summary>
public sealed record CaseAssignee(long Id, string Name);
