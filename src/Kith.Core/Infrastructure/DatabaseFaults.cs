using Microsoft.Data.Sqlite;
using Npgsql;

namespace Kith.Core.Infrastructure;

/// <summary>A database failure that is not a bug: the answer it deserves, and whether a retry may succeed.</summary>
public sealed record DatabaseFault(int Status, string Title, string Detail);

/// <summary>
/// Tells a full disk and a lost or busy database apart from bugs, so a client hears what happened and whether to
/// retry (507 or 503) instead of a bare 500. Nothing was stored when one of these is thrown: the transaction that hit
/// it rolled back with it.
/// </summary>
public static class DatabaseFaults
{
    // A break during COMMIT leaves the outcome unknown to the server too, hence "most likely".
    private static readonly DatabaseFault s_lost = new(503, "The database connection was lost",
        "The connection to the database broke during this request; what it was changing was most likely not stored. Check, then try again.");

    public static DatabaseFault? Classify(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                // SQLITE_FULL: the disk, or the file's max_page_count.
                case SqliteException { SqliteErrorCode: 13 }:
                case PostgresException { SqlState: PostgresErrorCodes.DiskFull }:
                    return new(507, "The database is full",
                        "The database has no room for this change, so nothing was stored. Reading still works; an administrator needs to free disk space.");
                // SQLITE_BUSY and SQLITE_LOCKED after the busy timeout: another writer held the database too long.
                case SqliteException { SqliteErrorCode: 5 or 6 }:
                    return new(503, "The database is busy", "The database was busy with other writes, so nothing was stored. Try again in a moment.");
                case PostgresException p when p.SqlState is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown
                    or PostgresErrorCodes.CannotConnectNow or PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected
                    || p.SqlState.StartsWith("08", StringComparison.Ordinal):
                    return s_lost;
                case NpgsqlException { IsTransient: true }:
                    return s_lost;
            }
        }
        return null;
    }
}
