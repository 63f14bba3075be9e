using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Importing;

/// <summary>
/// A bulk import of purchases, communications or events on SQLite writes without the foreign-key check of each row
/// against customers (ADR-0030). The import resolves every row's customer itself, from the customers it loaded, so the
/// check only repeats that lookup, and it was the dearest part of an insert: a random read into the customers table,
/// which at 100,000 customers no longer fits SQLite's page cache (1,000,000 events: 5.1 s of CPU with the check,
/// 1.6 s without). SQLite ignores <c>PRAGMA foreign_keys</c> inside a transaction, so it is set on the import's
/// connection (held open for the whole run) between its batches, and set back when the scope ends, however it ends.
/// <para>
/// What the check still guarded against is a customer removed for good by someone else while the import runs (an
/// erasure, or reverting the import that created the customer): rows for it are stored after it is gone. When the
/// import ends, <see cref="RemoveOrphansAsync"/> removes such rows, as the cascade of that removal would have had they
/// been stored before it.
/// </para>
/// <para>
/// Looking for such rows reads the table's whole customer index (10 million events: 2–3.5 s), and nearly always finds
/// none. So a job that sets the check aside also watches the customers table (ADR-0042): a trigger, part of the
/// database and so firing for every connection and process, marks the job's setting when any customer row is deleted,
/// and the rows are looked for only when it did. A job resumed without that mark, or repaired, looks for them anyway.
/// </para>
/// </summary>
internal sealed class UncheckedCustomers : IAsyncDisposable
{
    public static readonly IAsyncDisposable None = new UncheckedCustomers(null);

    private KithDb? _db;

    private UncheckedCustomers(KithDb? db) => _db = db;

    /// <summary>Whether rows of <paramref name="table"/> name a customer (and so are written unchecked in bulk mode).</summary>
    public static bool Links(string table) => table is "purchases" or "communications" or "behavior_events";

    /// <param name="fresh">
    /// Whether this run set the job's indexes aside (rather than resuming a job that did): only then is the watch for
    /// removed customers started, before the job loads its customers.
    /// </param>
    public static async Task<IAsyncDisposable> StartAsync(KithDb db, ImportJob job, bool fresh, CancellationToken ct)
    {
        if (db.Provider != DatabaseProvider.Sqlite || !BulkMode.TablesOf(job.Kind).All(Links) || BulkMode.TablesOf(job.Kind).Length == 0) return None;
        if (db.Database.CurrentTransaction is not null) throw new InvalidOperationException("Foreign keys can only be set aside outside a transaction.");
        await db.Database.OpenConnectionAsync(ct);
        // The trigger first, then the setting that says it is there: a crash between the two leaves no setting, and
        // the check runs.
        if (fresh)
            await Sql.ExecAsync(db, $"""
                CREATE TRIGGER IF NOT EXISTS {Trigger(job.Id)} AFTER DELETE ON customers
                BEGIN UPDATE settings SET value = 'removed' WHERE key = '{Key(job.Id)}'; END;
                INSERT OR REPLACE INTO settings (key, value) VALUES ('{Key(job.Id)}', 'none removed');
                """, ct);
        await Sql.ExecAsync(db, "PRAGMA foreign_keys=OFF", ct);
        return new UncheckedCustomers(db);
    }

    private static string Key(long jobId) => $"import.unchecked.{jobId}";
    private static string Trigger(long jobId) => $"import_unchecked_{jobId}_customer_removed";

    /// <summary>
    /// Whether rows the job wrote unchecked may name a removed customer: a customer row was deleted since the job
    /// started watching, or the job does not know (it never watched, or it is being repaired after a crash).
    /// </summary>
    public static async Task<bool> MayHaveOrphansAsync(KithDb db, long jobId, CancellationToken ct)
    {
        string? value = null;
        await Sql.ReadAsync(db, "SELECT value FROM settings WHERE key = $p0", r => value = r.GetString(0), ct, Key(jobId));
        return value != "none removed";
    }

    /// <summary>Stops watching the customers for the job; once its rows are all stored a removal cascades over them as usual.</summary>
    public static async Task StopWatchingAsync(KithDb db, long jobId, CancellationToken ct) =>
        await Sql.ExecAsync(db, $"DROP TRIGGER IF EXISTS {Trigger(jobId)}; DELETE FROM settings WHERE key = '{Key(jobId)}'", ct);

    public async ValueTask DisposeAsync()
    {
        if (_db is not { } db) return;
        _db = null;
        // A failed batch's transaction is rolled back by now; inside one the pragma would do nothing.
        await Sql.ExecAsync(db, "PRAGMA foreign_keys=ON", CancellationToken.None);
    }

    /// <summary>
    /// Removes the rows of <paramref name="table"/> whose customer is gone. Runs once the table's customer index is
    /// built again: each customer the table names is looked up once, in id order.
    /// </summary>
    public static async Task<int> RemoveOrphansAsync(KithDb db, string table, CancellationToken ct) =>
        await Sql.ExecAsync(db, $"""
            DELETE FROM {table} WHERE customer_id IN (
                SELECT n.customer_id FROM (SELECT DISTINCT customer_id FROM {table}) n
                WHERE NOT EXISTS (SELECT 1 FROM customers c WHERE c.id = n.customer_id))
            """, ct);
}
