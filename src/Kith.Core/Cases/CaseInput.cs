namespace Kith.Core.Cases;

/// <summary>
/// The body of POST /api/v1/cases, what PATCH merges into, and the model of the "New case" form. Left out, the
/// priority is normal and the case is unassigned; the company defaults to the customer's.
/// </summary>
public sealed class CaseInput
{
    public const int MaxSubjectLength = 300;

    public string? Subject { get; set; }
    public long? CustomerId { get; set; }
    public long? CompanyId { get; set; }
    public CasePriority? Priority { get; set; }
    /// <summary>A new case is open; a change moves it along <see cref="CaseRules.CanMove"/>.</summary>
    public CaseStatus? Status { get; set; }
    public long? AssigneeId { get; set; }
}

/// <summary>The body of POST /api/v1/communications/{id}/case: the communication's subject and customer are the defaults.</summary>
public sealed class CaseFromCommunicationInput
{
    public string? Subject { get; set; }
    public CasePriority? Priority { get; set; }
    public long? AssigneeId { get; set; }
}

/// <summary>The body of POST /api/v1/cases/{id}/communications.</summary>
public sealed class CaseLinkInput
{
    public long? CommunicationId { get; set; }
}

/// <summary>The body of POST /api/v1/cases/{id}/replies: a reply to the customer logged on the case (it is not sent as email).</summary>
public sealed class CaseReplyInput
{
    /// <summary>A key from GET /api/v1/channels; email when left out.</summary>
    public string? Channel { get; set; }
    public string? Content { get; set; }
    /// <summary>Moves the case along with the reply, e.g. to pending while waiting on the customer.</summary>
    public CaseStatus? Status { get; set; }
}
