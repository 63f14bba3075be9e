using System.ComponentModel.DataAnnotations.Schema;
using Kith.Core.Infrastructure;

namespace Kith.Core.Audit;

/// <summary>
/// One line of the audit trail: who did what to which target, when, and the hash that chains it to the line before.
/// Written once by <see cref="AuditSeal"/> and never changed; only the retention purge removes old lines.
/// </summary>
public sealed class AuditEntry
{
    public long Id { get; set; }
    /// <summary>The place in the chain: 1, 2, 3, … with no gaps; unique, so two writers can never fork the chain.</summary>
    public long Sequence { get; set; }
    public DateTime At { get; set; }
    public ActorKind ActorKind { get; set; }
    public long? ActorUserId { get; set; }
    /// <summary>The user's email at the time, so the trail still reads right after a user is renamed or removed.</summary>
    public string? ActorEmail { get; set; }
    public long? ActorTokenId { get; set; }
    public string? ClientAddress { get; set; }
    /// <summary>What happened, such as <c>signin.failed</c> or <c>record.updated</c> (see <see cref="AuditActions"/>).</summary>
    public string Action { get; set; } = "";
    public string? TargetType { get; set; }
    public string? TargetId { get; set; }
    /// <summary>JSON, stored as text exactly as hashed (a jsonb column would reorder it and break the hash).</summary>
    public string? Details { get; set; }
    public string PreviousHash { get; set; } = "";
    public string Hash { get; set; } = "";

    /// <summary>A record saved in the same unit of work whose id becomes <see cref="TargetId"/> once it has one.</summary>
    [NotMapped] internal object? PendingTarget { get; set; }
    /// <summary>The order entries were added in, which becomes their order in the chain.</summary>
    [NotMapped] internal long AddedOrder { get; set; }
}

/// <summary>
/// The one row that anchors the chain: the hash the oldest kept entry follows (zeros until the first purge) and the
/// newest entry's sequence and hash. Writers lock it, so the chain stays linear across processes; the head lets
/// verification notice when the newest entries were cut off.
/// </summary>
public sealed class AuditChain
{
    public const int TheId = 1;
    public static readonly string Genesis = new('0', 64);

    public int Id { get; set; }
    public long AnchorSequence { get; set; }
    public string AnchorHash { get; set; } = Genesis;
    public long HeadSequence { get; set; }
    public string HeadHash { get; set; } = Genesis;
    /// <summary>True only inside the retention purge's transaction: the append-only triggers let deletes through then.</summary>
    public bool Purging { get; set; }
}
