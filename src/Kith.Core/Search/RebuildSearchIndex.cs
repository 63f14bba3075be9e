using System.Data.Common;
using System.Globalization;
using Kith.Core.Infrastructure;
using Kith.Core.Settings;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Kith.Core.Search;

/// <summary>How far the search index rebuild has come: rows of one table read so far, of how many.</summary>
public sealed record SearchIndexProgress(string Table, long Done, long Total);

/// <summary>
/// Brings the stored search grams up to <see cref="SearchGrams.IndexVersion"/> when Kith starts on a database indexed
/// by an older version: every customer's and company's grams are made again from its search text and the n-gram
/// index follows (ADR-0026). The version reached is kept in the settings table; a database without one that holds
/// records was indexed before versions were kept (version 1), and a new, empty one is simply marked current.
/// <para>
/// On SQLite the whole rebuild is one transaction: the update trigger that feeds FTS5 is set aside, the changed
/// grams are written, the trigger is put back and the FTS5 index is rebuilt from the table, three times faster
/// than feeding it row by row, and a crash leaves the old index whole. On PostgreSQL the GIN index follows the
/// updates by itself, a batch of rows a statement. Rows whose grams do not change are not written, so a rebuild
/// interrupted on PostgreSQL resumes where it stopped.
/// </para>
/// </summary>
public static class RebuildSearchIndex
{
    public const string VersionKey = "search.indexVersion";
    private static readonly string[] s_tables = ["customers", "companies"];
    private const int Batch = 5_000;

    /// <summary>The version the stored grams were made by: 1 for a database that holds records but no version.</summary>
    public static async Task<int> StoredVersionAsync(KithDb db, CancellationToken ct) => (await ReadVersionAsync(db, ct)).Version;

    /// <summary>The version the stored grams were made by, and whether it is written down (or worked out from the records).</summary>
    private static async Task<(int Version, bool Kept)> ReadVersionAsync(KithDb db, CancellationToken ct)
    {
        var value = await db.Settings.AsNoTracking().Where(s => s.Key == VersionKey).Select(s => s.Value).FirstOrDefaultAsync(ct);
        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var version)) return (version, true);
        var empty = !await db.Customers.IgnoreQueryFilters().AnyAsync(ct) && !await db.Companies.IgnoreQueryFilters().AnyAsync(ct);
        return (empty ? SearchGrams.IndexVersion : 1, false);
    }

    /// <summary>Rebuilds when the stored grams are older than this Kith's; returns whether it did.</summary>
    public static async Task<bool> EnsureCurrentAsync(KithDb db, IProgress<SearchIndexProgress>? progress, CancellationToken ct)
    {
        var (stored, kept) = await ReadVersionAsync(db, ct);
        if (stored >= SearchGrams.IndexVersion)
        {
            if (!kept) await MarkAsync(db, ct);
            return false;
        }
        await RunAsync(db, progress, ct);
        return true;
    }

    /// <summary>Makes every record's grams again from its search text and marks the index current.</summary>
    public static async Task RunAsync(KithDb db, IProgress<SearchIndexProgress>? progress, CancellationToken ct)
    {
        var sqlite = db.Provider == DatabaseProvider.Sqlite;
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await using var tx = sqlite ? await db.Database.BeginTransactionAsync(ct) : null;
            foreach (var table in s_tables)
            {
                string? trigger = null;
                if (sqlite)
                {
                    trigger = await ScalarAsync(db, $"SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = '{table}_search_au'", ct) as string;
                    if (trigger is not null) await ExecAsync(db, $"DROP TRIGGER {table}_search_au", ct);
                }
                await RegramAsync(db, table, progress, ct);
                if (sqlite)
                {
                    if (trigger is not null) await ExecAsync(db, trigger, ct);
                    await ExecAsync(db, $"INSERT INTO {table}_search({table}_search) VALUES ('rebuild')", ct);
                }
            }
            await MarkAsync(db, ct);
            if (tx is not null) await tx.CommitAsync(ct);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
        if (!sqlite)
            foreach (var table in s_tables) await ExecAsync(db, $"ANALYZE {table}", ct);
    }

    private static async Task RegramAsync(KithDb db, string table, IProgress<SearchIndexProgress>? progress, CancellationToken ct)
    {
        var total = Convert.ToInt64(await ScalarAsync(db, $"SELECT COUNT(*) FROM {table}", ct), CultureInfo.InvariantCulture);
        var p = db.Provider == DatabaseProvider.Sqlite ? "$" : "@";
        long last = 0, done = 0;
        progress?.Report(new SearchIndexProgress(table, 0, total));
        var rows = new List<(long Id, string Text, string Grams)>(Batch);
        var conn = db.Database.GetDbConnection();
        await using var read = conn.CreateCommand();
        read.CommandText = $"SELECT id, search_text, search_grams FROM {table} WHERE id > {p}last ORDER BY id LIMIT {Batch}";
        var lastParameter = Parameter(read, p + "last", 0L);
        while (true)
        {
            rows.Clear();
            read.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
            lastParameter.Value = last;
            await using (var reader = await read.ExecuteReaderAsync(ct))
                while (await reader.ReadAsync(ct)) rows.Add((reader.GetInt64(0), reader.GetString(1), reader.GetString(2)));
            if (rows.Count == 0) break;
            var changed = rows.Select(r => (r.Id, Grams: SearchGrams.Tokens(r.Text), Old: r.Grams)).Where(r => r.Grams != r.Old)
                .Select(r => (r.Id, r.Grams)).ToList();
            if (changed.Count > 0) await WriteAsync(db, table, changed, ct);
            last = rows[^1].Id;
            done += rows.Count;
            progress?.Report(new SearchIndexProgress(table, Math.Min(done, total), total));
        }
    }

    private static async Task WriteAsync(KithDb db, string table, List<(long Id, string Grams)> changed, CancellationToken ct)
    {
        var conn = db.Database.GetDbConnection();
        await using var cmd = conn.CreateCommand();
        cmd.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        if (db.Provider == DatabaseProvider.Postgres)
        {
            cmd.CommandText = $"UPDATE {table} AS t SET search_grams = v.grams FROM unnest(@ids, @grams) AS v(id, grams) WHERE t.id = v.id";
            Parameter(cmd, "@ids", changed.Select(c => c.Id).ToArray());
            Parameter(cmd, "@grams", changed.Select(c => c.Grams).ToArray());
            await cmd.ExecuteNonQueryAsync(ct);
            return;
        }
        cmd.CommandText = $"UPDATE {table} SET search_grams = $grams WHERE id = $id";
        var grams = Parameter(cmd, "$grams", "");
        var id = Parameter(cmd, "$id", 0L);
        foreach (var row in changed)
        {
            (grams.Value, id.Value) = (row.Grams, row.Id);
            await cmd.ExecuteNonQueryAsync(ct);
        }
    }

    private static async Task MarkAsync(KithDb db, CancellationToken ct)
    {
        var value = SearchGrams.IndexVersion.ToString(CultureInfo.InvariantCulture);
        var row = await db.Settings.FirstOrDefaultAsync(s => s.Key == VersionKey, ct);
        if (row is null) db.Settings.Add(new Setting { Key = VersionKey, Value = value });
        else row.Value = value;
        await db.SaveChangesAsync(ct);
    }

    private static DbParameter Parameter(DbCommand cmd, string name, object value)
    {
        var parameter = cmd.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        cmd.Parameters.Add(parameter);
        return parameter;
    }

    private static async Task<object?> ScalarAsync(KithDb db, string sql, CancellationToken ct)
    {
        await using var cmd = db.Database.GetDbConnection().CreateCommand();
        cmd.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        cmd.CommandText = sql;
        cmd.CommandTimeout = 0;
        return await cmd.ExecuteScalarAsync(ct);
    }

    private static async Task ExecAsync(KithDb db, string sql, CancellationToken ct)
    {
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await using var cmd = db.Database.GetDbConnection().CreateCommand();
            cmd.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
            cmd.CommandText = sql;
            cmd.CommandTimeout = 0;
            await cmd.ExecuteNonQueryAsync(ct);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }
}
