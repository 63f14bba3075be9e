using System.Text.Json;
using System.Text.Json.Serialization;
using Kith.Core.Infrastructure;

namespace Kith.Core.Audit;

/// <summary>
/// The one-line hooks features call. <see cref="Audit"/> adds an entry to the unit of work, so it is written, hashed
/// and chained by the same save that makes the change (a refused save leaves no entry); <see cref="AuditNowAsync"/>
/// saves at once, for events that change nothing else (a failed sign-in, an export).
/// </summary>
public static class AuditTrail
{
    private static long s_order;

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>
    /// Adds an entry for <paramref name="action"/> on a target. <paramref name="target"/> is an id (a number or text),
    /// or a record added in this unit of work whose id is not known until it is saved; <paramref name="details"/> is
    /// anything that serialises to JSON. <paramref name="who"/> overrides <see cref="KithDb.AuditWho"/>.
    /// </summary>
    public static AuditEntry Audit(this KithDb db, string action, string? targetType = null, object? target = null, object? details = null,
        AuditWho? who = null, DateTime? at = null)
    {
        who ??= db.AuditWho;
        var entry = new AuditEntry
        {
            At = Microseconds(at ?? TimeProvider.System.GetUtcNow().UtcDateTime),
            ActorKind = who.Kind, ActorUserId = who.UserId, ActorEmail = Clip(who.Email, 254), ActorTokenId = who.TokenId,
            ClientAddress = Clip(who.ClientAddress, 64), Action = action, TargetType = targetType,
            Details = details is null ? null : details as string ?? JsonSerializer.Serialize(details, s_json),
            AddedOrder = Interlocked.Increment(ref s_order),
        };
        switch (target)
        {
            case null: break;
            case string text: entry.TargetId = Clip(text, 64); break;
            case IFormattable number when target.GetType().IsPrimitive: entry.TargetId = number.ToString(null, System.Globalization.CultureInfo.InvariantCulture); break;
            default: entry.PendingTarget = target; break;
        }
        db.AuditEntries.Add(entry);
        return entry;
    }

    /// <summary>Adds the entry and saves now (with whatever else the unit of work holds).</summary>
    public static async Task AuditNowAsync(this KithDb db, string action, string? targetType = null, object? target = null, object? details = null,
        AuditWho? who = null, CancellationToken ct = default)
    {
        db.Audit(action, targetType, target, details, who);
        await db.SaveChangesAsync(ct);
    }

    /// <summary>PostgreSQL keeps microseconds; cutting the rest off first means the hash of what was written is the hash of what is read.</summary>
    internal static DateTime Microseconds(DateTime at)
    {
        var utc = at.Kind == DateTimeKind.Utc ? at : at.ToUniversalTime();
        return new DateTime(utc.Ticks - utc.Ticks % 10, DateTimeKind.Utc);
    }

    private static string? Clip(string? text, int max) => text is { } t && t.Length > max ? t[..max] : text;
}
