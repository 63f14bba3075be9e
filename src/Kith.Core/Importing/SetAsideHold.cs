using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Importing;

/// <summary>
/// Says that a live process still means to build the indexes a completed job left aside (a folder import builds the
/// customers' indexes after the behaviour summary, ADR-0040/0041), so that <see cref="BulkMode.RepairAsync"/> in another
/// process (a server's import worker polls it every few seconds, or a second CLI import) leaves them aside rather than
/// building them in the middle of the folder. The hold dies with its process: on SQLite it is an exclusive lock on a
/// file beside the database, on PostgreSQL a session-level advisory lock on a connection of its own, and the operating
/// system or the server releases either when the process ends, however it ends.
/// </summary>
internal static class SetAsideHold
{
    /// <summary>Takes the hold on the indexes job <paramref name="jobId"/> left aside; disposing it lets them be repaired.</summary>
    public static async Task<IAsyncDisposable> TakeAsync(DatabaseOptions database, KithDb db, long jobId, CancellationToken ct)
    {
        if (database.Provider == DatabaseProvider.Postgres)
            return await new JobLocks(database).TryTakeAsync(Name(jobId), ct)
                   ?? throw new InvalidOperationException($"Another process holds import {jobId}'s indexes.");
        return new FileStream(LockPath(db, jobId), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
    }

    /// <summary>Whether a live process holds job <paramref name="jobId"/>'s indexes aside.</summary>
    public static async Task<bool> IsHeldAsync(KithDb db, long jobId, CancellationToken ct)
    {
        if (db.Provider == DatabaseProvider.Postgres)
        {
            var key = JobLocks.Key(Name(jobId));
            var free = false;
            // Taken and given back at once, on one connection: true means nobody else held it.
            await db.Database.OpenConnectionAsync(ct);
            try
            {
                await Sql.ReadAsync(db, $"SELECT pg_try_advisory_lock({key})", r => free = r.GetBoolean(0), ct);
                if (free) await Sql.ExecAsync(db, $"SELECT pg_advisory_unlock({key})", ct);
            }
            finally
            {
                await db.Database.CloseConnectionAsync();
            }
            return !free;
        }
        var path = LockPath(db, jobId);
        if (!File.Exists(path)) return false;
        try
        {
            // Left by a process that died: taken, it goes.
            await using var probe = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            return false;
        }
        catch (FileNotFoundException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    private static string Name(long jobId) => "import.set-aside." + jobId;

    private static string LockPath(KithDb db, long jobId) => db.Database.GetDbConnection().DataSource + $".import-{jobId}.lock";
}
