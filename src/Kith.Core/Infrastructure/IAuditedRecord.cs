namespace Kith.Core.Infrastructure;

/// <summary>The stamps every business record carries: who made it, who last changed it, and its version for ETags.</summary>
public interface IAuditedRecord
{
    long Id { get; }
    DateTime CreatedAt { get; set; }
    DateTime UpdatedAt { get; set; }
    ActorKind CreatedByKind { get; set; }
    long? CreatedByUserId { get; set; }
    ActorKind UpdatedByKind { get; set; }
    long? UpdatedByUserId { get; set; }
    /// <summary>Increments on every save; the ETag and the optimistic concurrency token.</summary>
    int Version { get; set; }
}

public static class AuditedRecordExtensions
{
    public static void StampCreated(this IAuditedRecord record, Actor actor, DateTime now)
    {
        record.CreatedAt = now;
        record.CreatedByKind = actor.Kind;
        record.CreatedByUserId = actor.UserId;
        record.StampUpdated(actor, now);
        record.Version = 1;
    }

    public static void StampUpdated(this IAuditedRecord record, Actor actor, DateTime now)
    {
        record.UpdatedAt = now;
        record.UpdatedByKind = actor.Kind;
        record.UpdatedByUserId = actor.UserId;
    }

    public static string ETag(this IAuditedRecord record) => $"\"{record.Version}\"";
}
