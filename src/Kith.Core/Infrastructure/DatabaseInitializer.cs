using Kith.Core.Identity;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Infrastructure;

public static class DatabaseInitializer
{
    /// <summary>Applies pending migrations and the rows every database needs (role policies). Safe to run on every start.</summary>
    public static Task MigrateAsync(KithDb db, CancellationToken ct = default) => MigrateAsync(db, null, ct);

    /// <summary>
    /// As <see cref="MigrateAsync(KithDb, CancellationToken)"/>, reporting the progress of the search index rebuild that
    /// follows an upgrade changing what is indexed (<see cref="Search.RebuildSearchIndex"/>; a few minutes at a million customers).
    /// </summary>
    /// <param name="optimize">
    /// Refresh SQLite's planner statistics (<see cref="OptimizeAsync"/>). A command that is about to change many rows
    /// (an import) passes false and optimizes once when it is done, instead of analysing tables it will make stale.
    /// </param>
    public static async Task MigrateAsync(KithDb db, IProgress<Search.SearchIndexProgress>? progress, CancellationToken ct, bool optimize = true)
    {
        // MigrateAsync also compares the model with the last migration's snapshot, which costs more than the rest
        // of a start; a database that is up to date skips it.
        if ((await db.Database.GetPendingMigrationsAsync(ct)).Any())
            await db.Database.MigrateAsync(ct);
        var present = await db.RolePolicies.Select(p => p.Role).ToListAsync(ct);
        foreach (var policy in RolePolicies.Defaults.Where(p => !present.Contains(p.Role)))
            db.RolePolicies.Add(new RolePolicy
            {
                Role = policy.Role, Reach = policy.Reach, CanCreate = policy.CanCreate,
                CanEdit = policy.CanEdit, CanDelete = policy.CanDelete, CanAssign = policy.CanAssign,
            });
        await db.SaveChangesAsync(ct);
        await Kith.Core.Communications.CommunicationChoice.EnsureDefaultsAsync(db, ct);
        await SensitiveFields.FieldKeyCheck.EnsureAsync(db, ct);
        await Search.RebuildSearchIndex.EnsureCurrentAsync(db, progress, ct);
        await Behavior.EventTypeKeys.EnsureAsync(db, ct);
        // The install's mark for the kithIds its exports write, made here so that an export only reads (ADR-0052).
        await Settings.KithIds.MarkAsync(db, ct);
        if (optimize) await OptimizeAsync(db, ct);
    }

    /// <summary>
    /// SQLite keeps no planner statistics until ANALYZE runs; without them it may walk the wrong index for a
    /// filtered list. `PRAGMA optimize=0x10002` analyses only the tables whose statistics are missing or stale,
    /// so it is cheap enough for every start. It reads every entry of each index it analyses (no 0x10 bit: SQLite's
    /// bounded sample estimated an owner, stage or event type shared by every row as one in 910), so after a
    /// folder import at size L it takes about 8 s of CPU (ADR-0040). PostgreSQL's autovacuum keeps its own statistics.
    /// </summary>
    public static async Task OptimizeAsync(KithDb db, CancellationToken ct = default)
    {
        if (db.Provider == DatabaseProvider.Sqlite)
            await db.Database.ExecuteSqlRawAsync("PRAGMA optimize=0x10002;", ct);
    }
}
