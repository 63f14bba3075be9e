using Kith.Core.Infrastructure;

namespace Kith.Core.History;

/// <summary>Who or what made or changed a record: a user (through the UI, the API or the CLI), an import or Kith itself.</summary>
public sealed record ActorRef(ActorKind Kind, long? UserId, string? Name);

/// <summary>One line of a record's history: a field that changed from one value to another, or a created/deleted/restored event.</summary>
public sealed record HistoryEntry(
    long Id, Guid ChangeSet, ChangeAction Action, string? Field, string? OldValue, string? NewValue, ActorRef Actor, DateTime At);
