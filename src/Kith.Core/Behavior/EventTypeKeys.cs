using System.Globalization;
using Kith.Core.Importing;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Behavior;

/// <summary>
/// Once per database (ADR-0053): types stored before they were keys ("page view", from an events file) are renamed to
/// their key (page_view) in behavior_events and pending_events, and the customers holding them are marked stale so
/// the next catch-up counts them again under the key. The distinct types are read by walking the type index (one
/// look per type), so a database with nothing to rename costs a few index lookups, once.
/// </summary>
public static class EventTypeKeys
{
    internal const string DoneMark = "behavior.types.keys";

    public static async Task EnsureAsync(KithDb db, CancellationToken ct)
    {
        if (await db.Settings.AsNoTracking().AnyAsync(s => s.Key == DoneMark, ct)) return;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        foreach (var table in new[] { "behavior_events", "pending_events" })
            foreach (var type in await BehaviorQueries.DistinctTypesAsync(db, table, ct))
            {
                if (EventTypes.IsKey(type)) continue;
                var key = KeyOf(type);
                if (table == "behavior_events")
                    await BehaviorRollup.MarkStaleAsync(db, $"SELECT customer_id AS id FROM behavior_events WHERE type = {Sql.P(db, 0)}", ct, type);
                await Sql.ExecAsync(db, $"UPDATE {table} SET type = {Sql.P(db, 0)} WHERE type = {Sql.P(db, 1)}", ct, key, type);
            }
        await Sql.ExecAsync(db, $"INSERT INTO settings (key, value) VALUES ({Sql.P(db, 0)}, '1') ON CONFLICT DO NOTHING", ct, DoneMark);
        await tx.CommitAsync(ct);
    }

    /// <summary>
    /// The key a stored type becomes: its <see cref="EventTypes.Normalize"/>d form, or, for one with no letter or digit
    /// (❤), type_ and its code points, so that no stored event is lost or merged with another.
    /// </summary>
    internal static string KeyOf(string type) =>
        EventTypes.Normalize(type) ?? "type_" + string.Join("_", type.EnumerateRunes().Take(12).Select(r => r.Value.ToString("x", CultureInfo.InvariantCulture)));
}
