using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Tests.Security;

/// <summary>
/// Every row of every table, hashed per table, so that a test can show a refused request changed nothing. Sign-in
/// bookkeeping (sessions, a token's last use, data-protection keys) and the audit trail, which records
/// refusals on purpose, are left out.
/// </summary>
public static class DatabaseFingerprint
{
    private static readonly HashSet<string> s_bookkeeping = new(StringComparer.OrdinalIgnoreCase)
    {
        "api_tokens", "user_sessions", "data_protection_keys", "audit_entries", "audit_chains", "audit_subject_keys", "shared_versions",
        // Derived data that background workers recompute on their own schedule, whatever a request does.
        "segment_members", "segment_changes", "customer_scores", "customer_rfm", "stale_behavior", "behavior_totals", "behavior_days",
    };

    /// <summary>Columns of kept tables that background work writes: a segment's last refresh.</summary>
    private static readonly HashSet<string> s_derivedColumns = new(StringComparer.OrdinalIgnoreCase)
    {
        "segments.member_count", "segments.refreshed_at", "segments.refresh_error",
    };

    public static async Task<IReadOnlyDictionary<string, string>> TakeAsync(KithTestHost host)
    {
        await using var db = host.OpenDb();
        var tables = db.Model.GetEntityTypes().Where(e => !e.IsOwned() && e.GetTableName() is not null)
            .Select(e => e.GetTableName()!).Distinct().Where(t => !s_bookkeeping.Contains(t)).OrderBy(t => t).ToList();
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        var result = new Dictionary<string, string>();
        foreach (var table in tables)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT * FROM \"{table}\"";
            await using var reader = await command.ExecuteReaderAsync();
            var rows = new List<string>();
            var kept = Enumerable.Range(0, reader.FieldCount).Where(i => !s_derivedColumns.Contains(table + "." + reader.GetName(i))).ToArray();
            while (await reader.ReadAsync()) rows.Add(Row(reader, kept));
            rows.Sort(StringComparer.Ordinal);
            result[table] = $"{rows.Count} rows " + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n", rows))))[..16];
        }
        return result;
    }

    /// <summary>Runs <paramref name="refused"/> and asserts the database is as it was before.</summary>
    public static async Task AssertUnchangedAsync(KithTestHost host, string what, Func<Task> refused)
    {
        var before = await TakeAsync(host);
        await refused();
        var after = await TakeAsync(host);
        var changed = before.Where(t => after[t.Key] != t.Value).Select(t => $"{t.Key}: {t.Value} -> {after[t.Key]}").ToList();
        Assert.True(changed.Count == 0, $"{what} changed the database: {string.Join("; ", changed)}");
    }

    private static string Row(DbDataReader reader, int[] columns)
    {
        var cells = new string[columns.Length];
        foreach (var (i, n) in columns.Select((c, n) => (c, n)))
            cells[n] = reader.IsDBNull(i) ? "∅" : reader.GetValue(i) is byte[] bytes ? Convert.ToHexString(bytes) : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture)!;
        return string.Join("|", cells);
    }
}
