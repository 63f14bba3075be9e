using Kith.Core.Infrastructure;

namespace Kith.Core.History;

public enum ChangeAction { Created, Updated, Deleted, Restored, Merged, Unmerged }

/// <summary>One field of one record changed by one actor at one time; a whole save shares <see cref="ChangeSet"/>.</summary>
public sealed class RecordChange
{
    public long Id { get; set; }
    /// <summary>"customer" or "company".</summary>
    public string EntityType { get; set; } = "";
    public long EntityId { get; set; }
    public Guid ChangeSet { get; set; }
    public ChangeAction Action { get; set; }
    /// <summary>The field's API name (custom fields as "customFields.key"); null for created/deleted/restored.</summary>
    public string? Field { get; set; }
    public string? OldValue { get; set; }
    public string? NewValue { get; set; }
    public ActorKind ActorKind { get; set; }
    public long? ActorUserId { get; set; }
    public string? ActorDetail { get; set; }
    public DateTime At { get; set; }
}
