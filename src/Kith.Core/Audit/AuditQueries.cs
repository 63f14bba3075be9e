using System.Globalization;
using System.Text;
using Kith.Core.Exporting;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Audit;

/// <summary>
/// What an admin searches the trail by. <see cref="Actor"/>: a user id, an email, or a kind (system, cli, import, api,
/// user). <see cref="Action"/>: an action, or its first part (signin matches signin.succeeded and signin.failed).
/// <see cref="Target"/>: a type (customer) or a type and id (customer:12). <see cref="From"/> inclusive,
/// <see cref="To"/> exclusive; a date alone for To means the end of that day.
/// </summary>
public sealed record AuditFilter(string? Actor = null, string? Action = null, string? Target = null, string? From = null, string? To = null);

public sealed record AuditActorItem(ActorKind Kind, long? UserId, string? Email, long? TokenId, string? ClientAddress);

public sealed record AuditEntryItem(
    long Id, long Sequence, DateTime At, AuditActorItem Actor, string Action, string? TargetType, string? TargetId, string? Details, string Hash);

public sealed record AuditPage(IReadOnlyList<AuditEntryItem> Items, string? NextCursor);

/// <summary>Searches and exports the audit trail, newest first. For administrators only: the endpoints and page check.</summary>
public sealed class AuditQueries(KithDb db)
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;

    public async Task<AuditPage> SearchAsync(AuditFilter filter, string? cursor, int? limit, CancellationToken ct = default)
    {
        var take = limit ?? DefaultLimit;
        if (take is < 1 or > MaxLimit) throw RuleViolation.Field("limit", $"The limit must be between 1 and {MaxLimit}.");
        var query = Apply(db.AuditEntries.AsNoTracking(), filter);
        if (DecodeCursor(cursor) is { } before) query = query.Where(e => e.Sequence < before);
        var rows = await query.OrderByDescending(e => e.Sequence).Take(take + 1).ToListAsync(ct);
        string? next = null;
        if (rows.Count > take)
        {
            rows.RemoveAt(take);
            next = EncodeCursor(rows[^1].Sequence);
        }
        var open = await AuditSealedDetails.OpenerAsync(db, rows, ct);
        return new AuditPage(rows.Select(e => Item(e, open(e))).ToList(), next);
    }

    /// <summary>Writes every matching entry as CSV (cells made formula-safe like every export); returns the row count.</summary>
    public async Task<long> ExportAsync(AuditFilter filter, Stream output, CancellationToken ct = default)
    {
        var query = Apply(db.AuditEntries.AsNoTracking(), filter);
        await using var table = TableWriter.Create(output, ExportFormat.Csv);
        await table.WriteHeaderAsync(["sequence", "at", "actorKind", "actorUserId", "actorEmail", "tokenId", "clientAddress",
            "action", "targetType", "targetId", "details", "hash"], ct);
        long? before = null;
        while (true)
        {
            var page = before is { } b ? query.Where(e => e.Sequence < b) : query;
            var rows = await page.OrderByDescending(e => e.Sequence).Take(1_000).ToListAsync(ct);
            var open = await AuditSealedDetails.OpenerAsync(db, rows, ct);
            foreach (var e in rows)
                await table.WriteRowAsync([Text(e.Sequence), e.At.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture),
                    e.ActorKind.ToString().ToLowerInvariant(), Text(e.ActorUserId), e.ActorEmail, Text(e.ActorTokenId), e.ClientAddress,
                    e.Action, e.TargetType, e.TargetId, open(e), e.Hash], ct);
            if (rows.Count < 1_000) break;
            before = rows[^1].Sequence;
        }
        await table.CompleteAsync(ct);
        return table.Rows;
    }

    public static IQueryable<AuditEntry> Apply(IQueryable<AuditEntry> query, AuditFilter filter)
    {
        if (filter.Actor?.Trim() is { Length: > 0 } actor)
        {
            if (long.TryParse(actor, NumberStyles.None, CultureInfo.InvariantCulture, out var userId)) query = query.Where(e => e.ActorUserId == userId);
            else if (actor.Contains('@'))
            {
                var email = actor.ToLowerInvariant();
                query = query.Where(e => e.ActorEmail == email);
            }
            else if (Enum.TryParse<ActorKind>(actor, ignoreCase: true, out var kind) && Enum.IsDefined(kind)) query = query.Where(e => e.ActorKind == kind);
            else throw RuleViolation.Field("actor", $"'{actor}' is not a user id, an email or one of: system, cli, import, api, user.");
        }
        if (filter.Action?.Trim() is { Length: > 0 } action)
        {
            if (action.Length > 50) throw RuleViolation.Field("action", "An action has at most 50 characters.");
            var prefix = action + ".";
            query = query.Where(e => e.Action == action || e.Action.StartsWith(prefix));
        }
        if (filter.Target?.Trim() is { Length: > 0 } target)
        {
            var colon = target.IndexOf(':');
            var type = colon < 0 ? target : target[..colon];
            var id = colon < 0 ? null : target[(colon + 1)..];
            if (type.Length is 0 or > 30 || id is { Length: 0 or > 64 })
                throw RuleViolation.Field("target", "Give a target as a type (customer) or a type and id (customer:12).");
            query = id is null ? query.Where(e => e.TargetType == type) : query.Where(e => e.TargetType == type && e.TargetId == id);
        }
        if (Instant(filter.From, "from", endOfDay: false) is { } from) query = query.Where(e => e.At >= from);
        if (Instant(filter.To, "to", endOfDay: true) is { } to) query = query.Where(e => e.At < to);
        return query;
    }

    private static DateTime? Instant(string? text, string field, bool endOfDay)
    {
        if (text?.Trim() is not { Length: > 0 } value) return null;
        if (DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
            return day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc).AddDays(endOfDay ? 1 : 0);
        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var instant))
            return instant.UtcDateTime;
        throw RuleViolation.Field(field, $"'{value}' is not a date (2026-11-27) or an instant (2026-11-27T08:00:00Z).");
    }

    private static string EncodeCursor(long sequence) =>
        Convert.ToBase64String(Encoding.ASCII.GetBytes("a:" + sequence.ToString(CultureInfo.InvariantCulture))).TrimEnd('=');

    private static long? DecodeCursor(string? cursor)
    {
        if (cursor is not { Length: > 0 }) return null;
        try
        {
            var padded = cursor.PadRight(cursor.Length + (4 - cursor.Length % 4) % 4, '=');
            var text = Encoding.ASCII.GetString(Convert.FromBase64String(padded));
            if (text.StartsWith("a:", StringComparison.Ordinal) && long.TryParse(text[2..], NumberStyles.None, CultureInfo.InvariantCulture, out var s)) return s;
        }
        catch (FormatException)
        {
            // Falls through to the 400 below.
        }
        throw RuleViolation.Field("cursor", "The cursor is not one this list gave out.");
    }

    private static string? Text(long? n) => n?.ToString(CultureInfo.InvariantCulture);

    private static AuditEntryItem Item(AuditEntry e, string? details) => new(e.Id, e.Sequence, e.At,
        new AuditActorItem(e.ActorKind, e.ActorUserId, e.ActorEmail, e.ActorTokenId, e.ClientAddress),
        e.Action, e.TargetType, e.TargetId, details, e.Hash);
}
