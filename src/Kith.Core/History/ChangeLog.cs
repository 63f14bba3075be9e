using Kith.Core.Audit;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.History;

/// <summary>
/// Writes a record's history: one row per changed field (by its API name), or one row for created, deleted and
/// restored; every row of one save shares a change set. Rows are added to the context and saved with the record,
/// so a refused save leaves no history behind.
/// </summary>
public sealed class ChangeLog(KithDb db)
{
    public const string CustomerEntity = "customer";
    public const string CompanyEntity = "company";

    public void Created(string entity, long id, Actor actor, DateTime at) => Add(entity, id, ChangeAction.Created, null, null, null, actor, at, Guid.NewGuid());
    public void Deleted(string entity, long id, Actor actor, DateTime at) => Add(entity, id, ChangeAction.Deleted, null, null, null, actor, at, Guid.NewGuid());
    public void Restored(string entity, long id, Actor actor, DateTime at) => Add(entity, id, ChangeAction.Restored, null, null, null, actor, at, Guid.NewGuid());

    /// <summary>Records each field whose value differs between two snapshots; returns how many did.</summary>
    public int Updated(string entity, long id, IReadOnlyDictionary<string, string?> before, IReadOnlyDictionary<string, string?> after, Actor actor, DateTime at)
    {
        var changes = new List<AuditedChange>();
        foreach (var row in UpdatedRows(entity, id, before, after, actor, at))
        {
            db.RecordChanges.Add(row);
            changes.Add(new AuditedChange(row.Field!, row.OldValue, row.NewValue));
        }
        if (changes.Count > 0 && actor.Kind != ActorKind.Import)
            db.Audit(AuditActions.RecordUpdated, entity, id, new { changes }, db.AuditWho.As(actor), at);
        return changes.Count;
    }

    /// <summary>
    /// The history rows of one update, one per field whose value differs between two snapshots, in one change set:
    /// what <see cref="Updated"/> adds, for a writer that stores them itself (an import's bulk write). Unlike
    /// <see cref="Updated"/> it adds no audit entry, which only a change by someone other than an import gets.
    /// </summary>
    public static List<RecordChange> UpdatedRows(string entity, long id, IReadOnlyDictionary<string, string?> before,
        IReadOnlyDictionary<string, string?> after, Actor actor, DateTime at)
    {
        var set = Guid.NewGuid();
        var rows = new List<RecordChange>();
        foreach (var field in before.Keys.Union(after.Keys).Order(StringComparer.Ordinal))
        {
            before.TryGetValue(field, out var old);
            after.TryGetValue(field, out var now);
            if (!string.Equals(old, now, StringComparison.Ordinal)) rows.Add(Row(entity, id, ChangeAction.Updated, field, old, now, actor, at, set));
        }
        return rows;
    }

    /// <summary>One history row, its values clipped to what the columns hold.</summary>
    public static RecordChange Row(string entity, long id, ChangeAction action, string? field, string? old, string? now, Actor actor, DateTime at, Guid set) => new()
    {
        EntityType = entity, EntityId = id, ChangeSet = set, Action = action, Field = field,
        OldValue = Clip(old), NewValue = Clip(now), ActorKind = actor.Kind, ActorUserId = actor.UserId,
        ActorDetail = actor.Detail is { Length: > 200 } d ? d[..200] : actor.Detail, At = at,
    };

    /// <summary>
    /// The history of one record, newest first, with the names of the people who made each change; changes of the
    /// <paramref name="hiddenFields"/> (the reader's hidden fields, as history names them) are left out.
    /// </summary>
    public async Task<IReadOnlyList<HistoryEntry>> ForAsync(string entity, long id, IReadOnlyList<string> hiddenFields, CancellationToken ct)
    {
        var hidden = hiddenFields.ToArray();
        var rows = await (
            from c in db.RecordChanges.AsNoTracking()
            where c.EntityType == entity && c.EntityId == id && (c.Field == null || !hidden.Contains(c.Field))
            join u in db.Users on c.ActorUserId equals u.Id into users
            from u in users.DefaultIfEmpty()
            orderby c.Id descending
            select new { c, Name = u == null ? null : (u.DisplayName != "" ? u.DisplayName : u.Email) }).Take(5000).ToListAsync(ct);
        return rows.Select(r => new HistoryEntry(r.c.Id, r.c.ChangeSet, r.c.Action, r.c.Field, r.c.OldValue, r.c.NewValue,
            new ActorRef(r.c.ActorKind, r.c.ActorUserId, r.Name ?? r.c.ActorDetail), r.c.At)).ToList();
    }

    private void Add(string entity, long id, ChangeAction action, string? field, string? old, string? now, Actor actor, DateTime at, Guid set)
    {
        // The audit trail gets the same change (one entry per save, with every field's old and new value); an
        // import's rows are summed up in one entry for the whole import instead.
        if (actor.Kind != ActorKind.Import)
            db.Audit(AuditActions.Record(action), entity, id, who: db.AuditWho.As(actor), at: at);
        db.RecordChanges.Add(Row(entity, id, action, field, old, now, actor, at, set));
    }

    private sealed record AuditedChange(string Field, string? Old, string? New);

    private static string? Clip(string? value) => value is { Length: > 4000 } ? value[..4000] : value;
}
