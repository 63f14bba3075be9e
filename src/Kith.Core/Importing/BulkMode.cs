using System.Text.Json;
using Kith.Core.Infrastructure;
using Kith.Core.Settings;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Importing;

/// <summary>
/// Big imports into a table that is small next to the file set the table's secondary indexes (and, on SQLite, the
/// trigger that feeds the search index) aside and build them again when the import ends. Each batch of rows with
/// random keys would otherwise rewrite nearly every leaf page of every index: the cost of a batch grows with the
/// table, and a million-row import would write hundreds of gigabytes. Unique indexes stay, so the database still
/// refuses a second order, communication or event with the same id.
/// <para>
/// The indexes set aside are recorded in the settings table under the job's id before they are dropped, so a job
/// that resumes after a crash knows to rebuild them, and <see cref="RepairAsync"/> rebuilds them for a job that
/// ended some other way. While a job runs in this mode, lists of that table sort and filter without their indexes
/// (slower, still correct) and, for customers on SQLite, search does not see the rows added so far.
/// </para>
/// </summary>
internal static class BulkMode
{
    /// <summary>Files with fewer rows than this import row by row into the indexes.</summary>
    public const long MinRows = 50_000;
    private const string KeyPrefix = "import.bulk.";
    /// <summary>The kind of a PostgreSQL foreign key to customers set aside (its Sql: the constraint's definition).</summary>
    private const string Constraint = "constraint";

    public sealed record SavedObject(string Table, string Name, string Kind, string Sql);

    public static string[] TablesOf(ImportKind kind) => kind switch
    {
        ImportKind.Customers => ["customers"],
        ImportKind.Purchases => ["purchases"],
        ImportKind.Communications => ["communications"],
        ImportKind.Events => ["behavior_events"],
        _ => [],
    };

    /// <summary>
    /// Sets the indexes aside when the file is big next to its table (or they already are, for a resumed job), and for
    /// rows linked to a customer also the foreign-key check of each row: on SQLite until the returned scope ends
    /// (<see cref="UncheckedCustomers"/>), on PostgreSQL by setting the foreign key itself aside with the indexes (ADR-0041).
    /// </summary>
    public static async Task<Scope> EnterAsync(KithDb db, ImportJob job, CancellationToken ct)
    {
        var entered = await SetAsideAsync(db, job, ct);
        if (entered is null) return new Scope(UncheckedCustomers.None, Bulk: false);
        return new Scope(await UncheckedCustomers.StartAsync(db, job, fresh: entered.Value, ct), Bulk: true);
    }

    /// <summary>A job's time in bulk mode (<paramref name="Bulk"/>: whether its indexes are aside); ending it restores the foreign-key check.</summary>
    public sealed record Scope(IAsyncDisposable Unchecked, bool Bulk) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Unchecked.DisposeAsync();
    }

    /// <summary>
    /// Whether the job runs in bulk mode: true when its indexes are set aside now, false when the run it resumes set
    /// them aside, null when it does not run in bulk mode.
    /// </summary>
    private static async Task<bool?> SetAsideAsync(KithDb db, ImportJob job, CancellationToken ct)
    {
        var prefix = KeyPrefix + job.Id + ".";
        if (await db.Settings.AsNoTracking().AnyAsync(s => s.Key.StartsWith(prefix), ct)) return false;
        var tables = TablesOf(job.Kind);
        if (tables.Length == 0) return null;
        var rows = EstimateRows(job.StoredPath, job.FileBytes);
        if (rows < MinRows) return null;
        long stored = 0;
        await Sql.ReadAsync(db, $"SELECT COALESCE(MAX(id), 0) FROM {tables[0]}", r => stored = r.GetInt64(0), ct);
        if (stored > rows) return null;

        var saved = new List<SavedObject>();
        foreach (var table in tables) saved.AddRange(await SecondaryAsync(db, table, ct));
        if (saved.Count == 0) return null;
        // One setting per object keeps each within the settings table's value length.
        for (var i = 0; i < saved.Count; i++) db.Settings.Add(new Setting { Key = prefix + i, Value = JsonSerializer.Serialize(saved[i]) });
        await db.SaveChangesAsync(ct);
        db.ChangeTracker.Clear();
        foreach (var s in saved)
            await Sql.ExecAsync(db, s.Kind == Constraint ? $"ALTER TABLE {s.Table} DROP CONSTRAINT IF EXISTS {s.Name}" : $"DROP {s.Kind.ToUpperInvariant()} IF EXISTS {s.Name}", ct);
        return true;
    }

    /// <summary>
    /// Builds again what <see cref="EnterAsync"/> set aside for this job, if anything, except the indexes
    /// <paramref name="later"/> picks: they stay aside, recorded, until a later call without it (or <see cref="RepairAsync"/>).
    /// </summary>
    public static async Task ExitAsync(KithDb db, long jobId, CancellationToken ct, Func<SavedObject, bool>? later = null)
    {
        var prefix = KeyPrefix + jobId + ".";
        var rows = await db.Settings.AsNoTracking().Where(s => s.Key.StartsWith(prefix)).Select(s => new { s.Key, s.Value }).ToListAsync(ct);
        var kept = rows.Where(r => later is not null && later(JsonSerializer.Deserialize<SavedObject>(r.Value)!)).Select(r => r.Key).ToList();
        rows = rows.Where(r => !kept.Contains(r.Key)).ToList();
        if (rows.Count == 0) return;
        var saved = rows.Select(r => JsonSerializer.Deserialize<SavedObject>(r.Value)!).ToList();
        // Its statements run on the connection as it is, and its pragmas must hold for the builds after them: opened
        // here when the caller holds none (a repair), kept as it is when it does (EF closes only what it opened).
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await BuildAsync(db, jobId, saved, ct);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
        await db.Settings.Where(s => s.Key.StartsWith(prefix) && !kept.Contains(s.Key)).ExecuteDeleteAsync(ct);
    }

    /// <summary>The page cache, in KiB, while SQLite builds the indexes of rows linked to a customer: the size of its sort runs.</summary>
    internal const int SortRunKib = 2048;

    /// <summary>Builds the indexes and triggers set aside, then what they feed and check.</summary>
    private static async Task BuildAsync(KithDb db, long jobId, List<SavedObject> saved, CancellationToken ct)
    {
        if (db.Provider == DatabaseProvider.Postgres) await Sql.ExecAsync(db, "SET maintenance_work_mem = '256MB'", ct);
        // Kith's connections keep temporary tables in memory, and SQLite then sorts a whole index in memory too: 10
        // million events took 0.5 GB beyond the import's own. With temporary files it sorts in runs of the page cache's
        // size and merges them, in no more time (ADR-0022).
        var sqlite = db.Provider == DatabaseProvider.Sqlite;
        // A second core sorts beside the first (the file is read, so the cleaning threads are idle): less wall time
        // for the same CPU time (ADR-0030).
        if (sqlite) await Sql.ExecAsync(db, $"PRAGMA temp_store=FILE; PRAGMA threads={Math.Min(Environment.ProcessorCount - 1, 3)}", ct);
        // SQLite sorts an index in runs as large as the page cache, then merges them. Rows linked to a customer come
        // in file order, so their customer index sorts random keys: in runs of 2 MB, which stay in the processor's
        // cache, 10 million events sorted in 12.8 s of CPU against 19.0 s in runs of the connection's 64 MB, and in
        // 10 MB less memory instead of 200 MB; the time-ordered type index sorts as fast either way (ADR-0042). The
        // customers' behaviour indexes, built after a folder import's summary, sort faster that way too (ADR-0045).
        long? cache = null;
        try
        {
            foreach (var s in saved.Where(s => s.Kind == "index"))
            {
                var small = sqlite && (UncheckedCustomers.Links(s.Table) || IsBehaviorIndex(s));
                if (small && cache is null)
                {
                    await Sql.ReadAsync(db, "PRAGMA cache_size", r => cache = r.GetInt64(0), ct);
                    await Sql.ExecAsync(db, $"PRAGMA cache_size=-{SortRunKib}", ct);
                }
                else if (!small && cache is { } size)
                {
                    await Sql.ExecAsync(db, $"PRAGMA cache_size={size}", ct);
                    cache = null;
                }
                await Sql.ExecAsync(db, ToIfNotExists(s.Sql), ct);
            }
        }
        finally
        {
            if (sqlite) await Sql.ExecAsync(db, "PRAGMA temp_store=MEMORY; PRAGMA threads=0", CancellationToken.None);
            if (cache is { } size) await Sql.ExecAsync(db, $"PRAGMA cache_size={size}", CancellationToken.None);
        }
        foreach (var s in saved.Where(s => s.Kind == "trigger"))
        {
            await Sql.ExecAsync(db, $"DROP TRIGGER IF EXISTS {s.Name}", ct);
            await Sql.ExecAsync(db, s.Sql, ct);
        }
        // The triggers fed an external-content FTS5 table; rows added without them are indexed by rebuilding it whole.
        foreach (var table in saved.Where(s => s.Kind == "trigger").Select(s => s.Table).Distinct())
            await RebuildSearchAsync(db, table + "_search", ct);
        if (sqlite && saved.Any(s => UncheckedCustomers.Links(s.Table)))
        {
            // Only when a customer was removed while the rows went in unchecked, or when that is not known (ADR-0042).
            if (await UncheckedCustomers.MayHaveOrphansAsync(db, jobId, ct))
                foreach (var table in saved.Select(s => s.Table).Distinct().Where(UncheckedCustomers.Links))
                    await UncheckedCustomers.RemoveOrphansAsync(db, table, ct);
            await UncheckedCustomers.StopWatchingAsync(db, jobId, ct);
        }
        // PostgreSQL's foreign keys to customers come back checking new rows at once, then are validated, which reads the
        // table once without blocking writes to customers. Rows whose customer was removed for good while the import
        // ran fail that: they are removed, as the cascade would have removed them, and it is validated again (ADR-0041).
        foreach (var s in saved.Where(s => s.Kind == Constraint))
        {
            var valid = (bool?)null;
            await Sql.ReadAsync(db, $"SELECT convalidated FROM pg_constraint WHERE conrelid = {Sql.P(db, 0)}::regclass AND conname = {Sql.P(db, 1)}",
                r => valid = r.GetBoolean(0), ct, s.Table, s.Name);
            if (valid == true) continue;
            if (valid is null) await Sql.ExecAsync(db, $"ALTER TABLE {s.Table} ADD CONSTRAINT {s.Name} {s.Sql} NOT VALID", ct);
            try
            {
                await Sql.ExecAsync(db, $"ALTER TABLE {s.Table} VALIDATE CONSTRAINT {s.Name}", ct);
            }
            catch (Npgsql.PostgresException e) when (e.SqlState == Npgsql.PostgresErrorCodes.ForeignKeyViolation)
            {
                await UncheckedCustomers.RemoveOrphansAsync(db, s.Table, ct);
                await Sql.ExecAsync(db, $"ALTER TABLE {s.Table} VALIDATE CONSTRAINT {s.Name}", ct);
            }
        }
        if (db.Provider == DatabaseProvider.Postgres)
            foreach (var table in saved.Select(s => s.Table).Distinct()) await Sql.ExecAsync(db, $"ANALYZE {table}", ct);
    }

    /// <summary>The FTS5 table's in-memory term buffer, in bytes, while it is rebuilt whole (FTS5's own default: 1 MiB).</summary>
    internal const int RebuildHashBytes = 8 << 20;
    private const int DefaultHashBytes = 1 << 20;

    /// <summary>
    /// Rebuilds an FTS5 table from its content table. FTS5 writes a segment each time its term buffer fills, and merges
    /// the segments as they pile up: with 8 MiB instead of its 1 MiB there are fewer of them to write and merge, and a
    /// million customers' rebuild takes 10.4 s of CPU instead of 12.9 s for 10 MB more memory (ADR-0048). The buffer
    /// is a setting stored in the table; it goes back to FTS5's default after, so later writes hold no more than before.
    /// </summary>
    private static async Task RebuildSearchAsync(KithDb db, string fts, CancellationToken ct)
    {
        await Sql.ExecAsync(db, $"INSERT INTO {fts}({fts}, rank) VALUES ('hashsize', {RebuildHashBytes})", ct);
        try
        {
            await Sql.ExecAsync(db, $"INSERT INTO {fts}({fts}) VALUES ('rebuild')", ct);
        }
        finally
        {
            // Set back through FTS5 (so this connection's copy of the setting follows), then its row removed as it was.
            await Sql.ExecAsync(db, $"INSERT INTO {fts}({fts}, rank) VALUES ('hashsize', {DefaultHashBytes})", CancellationToken.None);
            await Sql.ExecAsync(db, $"DELETE FROM {fts}_config WHERE k = 'hashsize'", CancellationToken.None);
        }
    }

    /// <summary>Whether an index is one of the customers' indexes over their behaviour summary columns (ADR-0040).</summary>
    public static bool IsBehaviorIndex(SavedObject s) =>
        s is { Table: "customers", Kind: "index" } && s.Sql.Contains("behavior_", StringComparison.Ordinal);

    /// <summary>
    /// The customers' indexes the behaviour summary after a folder import would otherwise update: on SQLite those over
    /// the summary columns (an update writes only the indexes of the columns it changes, ADR-0040). None on PostgreSQL,
    /// where the summary lives in a table of its own whose indexes the rebuild sets aside itself (ADR-0043; before it,
    /// every customers index: ADR-0041).
    /// </summary>
    public static Func<SavedObject, bool> SetAsideForSummary(DatabaseProvider provider) =>
        provider == DatabaseProvider.Postgres ? _ => false : IsBehaviorIndex;

    /// <summary>
    /// Rebuilds the indexes of jobs that set them aside and are no longer running (ended, or gone), unless a live
    /// process still holds them aside to build later (<see cref="SetAsideHold"/>).
    /// </summary>
    public static async Task RepairAsync(KithDb db, CancellationToken ct)
    {
        var keys = await db.Settings.AsNoTracking().Where(s => s.Key.StartsWith(KeyPrefix)).Select(s => s.Key).ToListAsync(ct);
        foreach (var id in keys.Select(k => k[KeyPrefix.Length..].Split('.')[0]).Distinct().Select(t => long.TryParse(t, out var v) ? v : -1))
        {
            if (id < 0) continue;
            var job = await db.ImportJobs.AsNoTracking().FirstOrDefaultAsync(j => j.Id == id, ct);
            var resumable = job is { Status: ImportStatus.Running or ImportStatus.Queued } && File.Exists(job.StoredPath);
            if (!resumable && !await SetAsideHold.IsHeldAsync(db, id, ct)) await ExitAsync(db, id, ct);
        }
    }

    private static async Task<List<SavedObject>> SecondaryAsync(KithDb db, string table, CancellationToken ct)
    {
        var list = new List<SavedObject>();
        if (db.Provider == DatabaseProvider.Sqlite)
        {
            await Sql.ReadAsync(db, $"SELECT name, type, sql FROM sqlite_master WHERE tbl_name = {Sql.P(db, 0)} AND type IN ('index', 'trigger') AND sql IS NOT NULL", r =>
            {
                var (name, kind, sql) = (r.GetString(0), r.GetString(1), r.GetString(2));
                if (kind == "index" && !sql.StartsWith("CREATE UNIQUE", StringComparison.OrdinalIgnoreCase)) list.Add(new SavedObject(table, name, kind, sql));
                // All three triggers of the search index: an update or delete trigger would ask FTS5 to remove a row it
                // never indexed, which it reports as a malformed database. The rebuild at the end indexes every row.
                if (kind == "trigger" && name.StartsWith(table + "_search_a", StringComparison.Ordinal)) list.Add(new SavedObject(table, name, kind, sql));
            }, ct, table);
        }
        else
        {
            await Sql.ReadAsync(db, $"SELECT indexname, indexdef FROM pg_indexes WHERE tablename = {Sql.P(db, 0)} AND schemaname = current_schema()", r =>
            {
                var (name, sql) = (r.GetString(0), r.GetString(1));
                if (!sql.StartsWith("CREATE UNIQUE", StringComparison.OrdinalIgnoreCase)) list.Add(new SavedObject(table, name, "index", sql));
            }, ct, table);
            // Each row's check against customers is a query of its own on PostgreSQL too (1,000,000 events: twice the
            // server's time of the insert without it); the import resolved every row's customer itself (ADR-0041).
            if (UncheckedCustomers.Links(table))
                await Sql.ReadAsync(db, $"SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = {Sql.P(db, 0)}::regclass " +
                                        "AND contype = 'f' AND confrelid = 'customers'::regclass ORDER BY conname",
                    r => list.Add(new SavedObject(table, r.GetString(0), Constraint, r.GetString(1))), ct, table);
        }
        return list;
    }

    private static string ToIfNotExists(string sql)
    {
        const string plain = "CREATE INDEX ";
        return sql.StartsWith(plain, StringComparison.OrdinalIgnoreCase) && !sql.Contains("IF NOT EXISTS", StringComparison.OrdinalIgnoreCase)
            ? "CREATE INDEX IF NOT EXISTS " + sql[plain.Length..]
            : sql;
    }

    /// <summary>Rows in the file, from its size and the length of its first lines (XLSX: from its size alone).</summary>
    private static long EstimateRows(string path, long bytes)
    {
        try
        {
            using var f = File.OpenRead(path);
            var head = new byte[64 * 1024];
            var n = f.Read(head, 0, head.Length);
            if (n >= 2 && head[0] == (byte)'P' && head[1] == (byte)'K') return bytes / 40;
            var lines = head.AsSpan(0, n).Count((byte)'\n');
            return lines <= 1 ? 0 : bytes / Math.Max(1, n / lines);
        }
        catch (IOException)
        {
            return 0;
        }
    }
}
