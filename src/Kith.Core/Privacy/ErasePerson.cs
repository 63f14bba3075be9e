using System.Diagnostics;
using System.Text.Json;
using Kith.Core.Audit;
using Kith.Core.Identity;
using Kith.Core.Importing;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Privacy;

/// <summary>What an erasure removed, without anything about the person.</summary>
public sealed record ErasureResult(long ErasureId, IReadOnlyDictionary<string, int> Counts, int Files, string Scrub);

/// <summary>
/// Erases a person: every row about them in every feature (through the registered <see cref="IPersonalDataPart"/>s),
/// their customer rows and attachment files, then the free pages and write-ahead log that still held the bytes. What
/// is left is a keyed hash of their identifiers (<see cref="ErasedPeople"/>) and an <see cref="Erasure"/> row saying
/// who erased how many rows when.
/// </summary>
/// <remarks>
/// SQLite: the transaction runs with <c>PRAGMA secure_delete=ON</c>, which overwrites deleted cells and freed pages
/// with zeros (the search index, FTS5, is told to delete securely too). That is not enough alone: free space that
/// earlier updates left in other pages still holds old values. A VACUUM therefore rewrites the file from the live rows,
/// and a <c>wal_checkpoint(TRUNCATE)</c> moves the rewritten pages into the database file and empties the WAL, which
/// held older page images (docs/privacy.md has the measured cost). PostgreSQL: the touched tables are vacuumed
/// after commit so the dead row versions are pruned; WAL segments already archived and backups keep the data until
/// they expire (docs/privacy.md).
/// </remarks>
public sealed class ErasePerson(KithDb db, IEnumerable<IPersonalDataPart> parts, ErasedPeople erased, PrivacySettings settings,
    TimeProvider clock)
{
    public async Task<ErasureResult> HandleAsync(AccessScope scope, long customerId, string? confirmName, string reason, CancellationToken ct)
    {
        await settings.EnsureCanEraseAsync(scope, ct);
        var subject = await PersonalDataSubjects.LoadAsync(db, scope, customerId, includeDeleted: true, ct);
        if (confirmName is not null)
        {
            var name = await db.Customers.AsNoTracking().Where(c => c.Id == customerId).Select(c => c.Name).FirstAsync(ct);
            if (!string.Equals(confirmName.Trim(), name.Trim(), StringComparison.Ordinal))
                throw RuleViolation.Field("confirmName", "Type the customer's name exactly as shown to confirm the erasure.");
        }
        return await EraseAsync(subject, scope.UserId, reason, ct);
    }

    /// <summary>The erasure itself, also run by the retention purge for customers long in the bin.</summary>
    internal async Task<ErasureResult> EraseAsync(PersonalDataSubject subject, long? byUserId, string reason, CancellationToken ct)
    {
        var erasure = new PersonalDataErasure(db, subject);
        var sqlite = db.Provider == DatabaseProvider.Sqlite;
        await db.Database.OpenConnectionAsync(ct);
        long erasureId;
        try
        {
            if (sqlite) await Sql.ExecAsync(db, "PRAGMA secure_delete=ON", ct);
            await using (var tx = await db.Database.BeginTransactionAsync(ct))
            {
                if (sqlite)
                    foreach (var fts in new[] { "customers_search", "companies_search" })
                        await Sql.ExecAsync(db, $"INSERT INTO {fts}({fts}, rank) VALUES ('secure-delete', 1)", ct);
                foreach (var part in parts) await part.EraseAsync(erasure, ct);
                await erasure.ExecAsync("customers", "customers", $"DELETE FROM customers WHERE id IN ({subject.IdList})", ct);
                var now = clock.GetUtcNow().UtcDateTime;
                var record = new Erasure
                {
                    ErasedAt = now, ErasedByUserId = byUserId, Reason = reason, Counts = JsonSerializer.Serialize(erasure.Counts),
                    Files = erasure.FilesToDelete.Count,
                };
                db.Set<Erasure>().Add(record);
                await db.SaveChangesAsync(ct);
                foreach (var (kind, hash) in erased.Fingerprints(subject.Emails, subject.Phones, subject.ExternalIds))
                    if (!await db.Set<ErasedPerson>().AnyAsync(e => e.Kind == kind && e.Hash == hash, ct))
                        db.Set<ErasedPerson>().Add(new ErasedPerson { Kind = kind, Hash = hash, ErasureId = record.Id, ErasedAt = now });
                await db.SaveChangesAsync(ct);
                // The trail records the erasure without the person: which erasure, why, how many rows of each kind. Their
                // earlier entries lost their key with the rows above (AuditPersonalData).
                db.Audit(AuditActions.Erase, "erasure", record.Id, new { reason, counts = erasure.Counts, files = record.Files });
                await db.SaveChangesAsync(ct);
                await tx.CommitAsync(ct);
                erasureId = record.Id;
            }
            if (sqlite) await Sql.ExecAsync(db, "PRAGMA secure_delete=OFF", ct);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
        db.ChangeTracker.Clear();
        foreach (var path in erasure.FilesToDelete) DeleteFile(path);
        string scrub;
        try
        {
            scrub = await ScrubAsync(erasure, ct);
        }
        catch (System.Data.Common.DbException e)
        {
            // The rows are gone and committed; only the scrub of free space waits (a long import holding the database, say).
            scrub = $"{db.Provider}: rows erased; scrubbing free space failed ({e.Message}) and runs with the next erasure or purge";
        }
        await db.Set<Erasure>().Where(e => e.Id == erasureId).ExecuteUpdateAsync(s => s.SetProperty(e => e.Scrub, scrub), ct);
        return new ErasureResult(erasureId, erasure.Counts, erasure.FilesToDelete.Count, scrub);
    }

    private async Task<string> ScrubAsync(PersonalDataErasure erasure, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        if (db.Provider == DatabaseProvider.Sqlite)
        {
            // secure_delete zeroes what the erasure frees, but not the stale copies that earlier updates and page splits
            // left in free space of pages it never touched; the erasure test found the marker in the file without it.
            // VACUUM rewrites every page from the live rows; the checkpoint then moves the rewritten pages into the
            // file and truncates the WAL, whose older frames held the person too.
            await db.Database.ExecuteSqlRawAsync("VACUUM", ct);
            var vacuum = watch.ElapsedMilliseconds;
            await db.Database.ExecuteSqlRawAsync("PRAGMA wal_checkpoint(TRUNCATE)", ct);
            return $"sqlite: secure_delete, vacuum {vacuum} ms, wal_checkpoint(truncate) {watch.ElapsedMilliseconds - vacuum} ms";
        }
        // VACUUM cannot run in a transaction; the table names are Kith's own.
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            foreach (var table in erasure.Tables) await Sql.ExecAsync(db, "VACUUM " + table, ct);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
        return $"postgres: vacuum of {erasure.Tables.Count} tables in {watch.ElapsedMilliseconds} ms";
    }

    private static void DeleteFile(string path)
    {
        try
        {
            if (!File.Exists(path)) return;
            // Overwritten first: on a simple file system the blocks no longer hold the bytes once freed.
            var length = new FileInfo(path).Length;
            using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write))
            {
                var zeros = new byte[81920];
                for (long written = 0; written < length; written += zeros.Length)
                    stream.Write(zeros, 0, (int)Math.Min(zeros.Length, length - written));
                stream.Flush(flushToDisk: true);
            }
            File.Delete(path);
        }
        catch (IOException)
        {
            // The rows are gone already; a file that cannot be removed now is left for an administrator (logged by the caller).
        }
    }
}
