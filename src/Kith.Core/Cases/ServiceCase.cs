using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Kith.Core.Cases;

public enum CaseStatus { Open, Pending, Resolved, Closed }

public enum CasePriority { Low, Normal, High, Urgent }

/// <summary>
/// A customer's request that needs resolving: a conversation (communications linked to it) with a status, a priority,
/// an assignee and an SLA due time. ("ServiceCase" because a bare Case reads like the C# keyword.) Who reaches the
/// customer reaches the case; there is no separate owner.
/// </summary>
public sealed class ServiceCase
{
    /// <summary>Case numbers start above the ids so they read as ticket numbers (#1001) and are never confused with ids.</summary>
    public const long NumberOffset = 1000;

    public long Id { get; set; }
    public string Subject { get; set; } = "";
    public long CustomerId { get; set; }
    public long? CompanyId { get; set; }
    public CaseStatus Status { get; set; }
    public CasePriority Priority { get; set; } = CasePriority.Normal;
    public long? AssigneeId { get; set; }
    /// <summary>When it should be resolved: opened time plus the workspace's target for its priority.</summary>
    public DateTime DueAt { get; set; }
    /// <summary>The first reply to the customer (a logged reply, or outbound mail in its thread).</summary>
    public DateTime? FirstRespondedAt { get; set; }
    public DateTime? ResolvedAt { get; set; }
    public DateTime? ClosedAt { get; set; }
    /// <summary>The email thread it came from (<see cref="Mail.EmailMessage.ThreadKey"/>): replies in it continue this case.</summary>
    public string? ThreadKey { get; set; }
    public DateTime CreatedAt { get; set; }
    public ActorKind CreatedByKind { get; set; }
    public long? CreatedByUserId { get; set; }
    public DateTime UpdatedAt { get; set; }

    public long Number => Id + NumberOffset;

    /// <summary>Past its due time: resolved late, or still unresolved after it.</summary>
    public bool IsBreached(DateTime now) => (ResolvedAt ?? now) > DueAt;
}

/// <summary>A communication that belongs to a case; a communication belongs to at most one case.</summary>
public sealed class CaseCommunication
{
    public long CommunicationId { get; set; }
    public long CaseId { get; set; }
    public ServiceCase? Case { get; set; }
    public DateTime LinkedAt { get; set; }
}

internal sealed class ServiceCaseConfiguration : IEntityTypeConfiguration<ServiceCase>
{
    public void Configure(EntityTypeBuilder<ServiceCase> b)
    {
        b.ToTable("cases");
        b.Ignore(c => c.Number);
        b.Property(c => c.Subject).HasMaxLength(CaseInput.MaxSubjectLength);
        b.Property(c => c.ThreadKey).HasMaxLength(998);
        // The list: newest first within a status; a customer's cases for the timeline and the customer page.
        b.HasIndex(c => new { c.Status, c.CreatedAt, c.Id });
        b.HasIndex(c => new { c.CustomerId, c.CreatedAt, c.Id });
        b.HasIndex(c => new { c.AssigneeId, c.Status });
        b.HasIndex(c => c.ThreadKey);
        b.HasOne<Customers.Customer>().WithMany().HasForeignKey(c => c.CustomerId).OnDelete(DeleteBehavior.Cascade);
        b.HasOne<Companies.Company>().WithMany().HasForeignKey(c => c.CompanyId).OnDelete(DeleteBehavior.SetNull);
        b.HasOne<Identity.User>().WithMany().HasForeignKey(c => c.AssigneeId).OnDelete(DeleteBehavior.SetNull);
    }
}

internal sealed class CaseCommunicationConfiguration : IEntityTypeConfiguration<CaseCommunication>
{
    public void Configure(EntityTypeBuilder<CaseCommunication> b)
    {
        b.ToTable("case_communications");
        b.HasKey(l => l.CommunicationId);
        b.HasIndex(l => new { l.CaseId, l.LinkedAt });
        b.HasOne(l => l.Case).WithMany().HasForeignKey(l => l.CaseId).OnDelete(DeleteBehavior.Cascade);
        b.HasOne<Communications.Communication>().WithMany().HasForeignKey(l => l.CommunicationId).OnDelete(DeleteBehavior.Cascade);
    }
}
