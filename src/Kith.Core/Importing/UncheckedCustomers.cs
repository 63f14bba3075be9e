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
/// </summary>
internal sealed class UncheckedCustomers : IAsyncDisposable
{
    public static readonly IAsyncDisposable None = new UncheckedCustomers(null);

    private KithDb? _db;

    private UncheckedCustomers(KithDb? db) => _db = db;

    /// <summary>Whether rows of <paramref name="table"/> name a customer (and so are written unchecked in bulk mode).</summary>
    public static bool Links(string table) => table is "purchases" or "communications" or "behavior_events";

    public static async Task<IAsyncDisposable> StartAsync(KithDb db, ImportKind kind, CancellationToken ct)
    {
        if (db.Provider != DatabaseProvider.Sqlite || !BulkMode.TablesOf(kind).All(Links) || BulkMode.TablesOf(kind).Length == 0) return None;
        if (db.Database.CurrentTransaction is not null) throw new InvalidOperationException("Foreign keys can only be set aside outside a transaction.");
        await db.Database.OpenConnectionAsync(ct);
        await Sql.ExecAsync(db, "PRAGMA foreign_keys=OFF", ct);
        return new UncheckedCustomers(db);
    }

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
