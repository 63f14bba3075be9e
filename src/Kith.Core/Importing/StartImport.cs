using Kith.Core.Identity;
using Kith.Core.Importing.Cleaning;
using Kith.Core.Importing.Files;
using Kith.Core.Infrastructure;

namespace Kith.Core.Importing;

/// <summary>
/// Queues an import: keeps the file under the data folder (so the job can run, and resume after a crash, without the
/// upload or the user's file) and records the job with its options. Running it is <see cref="ImportRunner"/>'s work.
/// An upload is copied there; a file on this machine (the CLI) is hard-linked when it is on the same file system,
/// which costs nothing however big the file (copying the 700 MB events file of the benchmark took seconds).
/// </summary>
public sealed class StartImport(KithDb db, DatabaseOptions database, TimeProvider clock)
{
    /// <param name="runHere">The caller runs the job itself now (the CLI): it starts as running, so no server's queue takes it.</param>
    /// <param name="readable">
    /// The file's format, encoding and header are checked before the job is queued: one that cannot be read or mapped
    /// throws (a <see cref="TabularFileException"/> or <see cref="MappingException"/>) and nothing is queued or kept.
    /// For an upload (the API), whose sender should hear it in the answer rather than from a failed job.
    /// </param>
    public async Task<ImportJob> HandleAsync(ImportKind kind, Stream content, string fileName, ImportOptions options, AccessScope scope,
        ActorKind via, CancellationToken ct, bool runHere = false, bool readable = false)
    {
        Authorize(options, scope);
        var stored = NewStoredPath();
        await using (var file = new FileStream(stored, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            await content.CopyToAsync(file, ct);
        return await QueueAsync(kind, stored, fileName, options, scope, via, runHere, readable, ct);
    }

    /// <summary>Queues the import of a file on this machine: linked into the data folder when it can be, else copied.</summary>
    public async Task<ImportJob> HandleAsync(ImportKind kind, string path, ImportOptions options, AccessScope scope,
        ActorKind via, CancellationToken ct, bool runHere = false)
    {
        Authorize(options, scope);
        if (!File.Exists(path)) throw new RuleViolation($"There is no file {path}.");
        var stored = NewStoredPath();
        if (!HardLink.TryCreate(path, stored))
        {
            await using var source = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
            await using var file = new FileStream(stored, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
            await source.CopyToAsync(file, ct);
        }
        return await QueueAsync(kind, stored, path, options, scope, via, runHere, readable: false, ct);
    }

    /// <summary>
    /// Why the job's stored file may not be read again to resume it (null when it may): it is not the file the job
    /// started on. A linked file is the user's own, which they may have edited or appended to since.
    /// </summary>
    public static string? ChangedSinceQueued(ImportJob job)
    {
        if (job.StoredSize is null || job.StoredModifiedAt is null) return null;
        var file = new FileInfo(job.StoredPath);
        if (!file.Exists) return $"The file {job.FileName} of import #{job.Id} is gone; import it again.";
        // PostgreSQL keeps microseconds, the file system 100-nanosecond ticks: compare to the millisecond.
        if (file.Length == job.StoredSize && Math.Abs((file.LastWriteTimeUtc - job.StoredModifiedAt.Value).TotalMilliseconds) < 1) return null;
        return $"The file {job.FileName} changed since import #{job.Id} started (its size or modification time differs), so the import cannot resume "
               + "where it stopped: it is ended and what it stored is reverted. Import the file again.";
    }

    private void Authorize(ImportOptions options, AccessScope scope)
    {
        scope.EnsureCanCreate();
        options.Validate();
        if (options.OwnerId is { } owner && owner != scope.UserId && !scope.Policy.CanAssign)
            throw new Forbidden("Your role may not assign records to another owner.");
    }

    private string NewStoredPath()
    {
        var folder = Path.Combine(database.DataDirectory, "imports");
        Directory.CreateDirectory(folder);
        return Path.Combine(folder, $"{Guid.NewGuid():N}.upload");
    }

    private async Task<ImportJob> QueueAsync(ImportKind kind, string stored, string fileName, ImportOptions options, AccessScope scope,
        ActorKind via, bool runHere, bool readable, CancellationToken ct)
    {
        var name = Path.GetFileName(fileName ?? "").Trim();
        if (name.Length == 0) name = "upload";
        if (name.Length > 200) name = name[^200..];
        var file = new FileInfo(stored);
        await CheckAsync(kind, stored, options, scope, readable, ct);
        var job = new ImportJob
        {
            Kind = kind, Status = runHere ? ImportStatus.Running : ImportStatus.Queued, HeartbeatAt = runHere ? clock.GetUtcNow().UtcDateTime : null, FileName = name, StoredPath = stored, Options = options.ToJson(), FileBytes = file.Length,
            StoredSize = file.Length, StoredModifiedAt = file.LastWriteTimeUtc,
            CreatedByUserId = scope.UserId, CreatedByKind = via, CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        db.ImportJobs.Add(job);
        await db.SaveChangesAsync(ct);
        return job;
    }

    /// <summary>
    /// What the job would refuse the file for, found now, reading only its head; on refusal the stored file is deleted.
    /// A file that would write a field the user's role may only read is always refused, naming the field. One that
    /// cannot be read or mapped is refused when <paramref name="readable"/> asks it (an upload), and otherwise left to
    /// the job, which reports it as for anyone.
    /// </summary>
    private async Task CheckAsync(ImportKind kind, string stored, ImportOptions options, AccessScope scope, bool readable, CancellationToken ct)
    {
        if (!readable && scope.Fields.IsOpen) return;
        try
        {
            using var file = TabularFile.Open(stored, new TabularOptions { Encoding = options.Encoding, Delimiter = options.Delimiter });
            var mapping = await ImportRunner.MapAsync(db, kind, file.Header, options, scope.Fields, ct);
            if (readable && ImportRunner.MissingColumns(kind, mapping, options) is { Count: > 0 } missing)
                throw new MappingException(string.Join(" ", missing));
            ImportFieldAccess.EnsureWritable(scope.Fields, kind, mapping, options);
        }
        catch (Exception e) when (!readable && e is TabularFileException or MappingException)
        {
        }
        catch
        {
            File.Delete(stored);
            throw;
        }
    }
}

/// <summary>Hard links through the C library (.NET has no API for them); false where it cannot (another file system, Windows, no right).</summary>
internal static class HardLink
{
    public static bool TryCreate(string existing, string link)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS() && !OperatingSystem.IsFreeBSD()) return false;
        try
        {
            return Link(existing, link) == 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "link", SetLastError = true, CharSet = System.Runtime.InteropServices.CharSet.Ansi, BestFitMapping = false)]
    private static extern int Link(string existing, string link);
}

/// <summary>Asks a queued or running import to stop. A running one stops after its current batch and reverts what it stored.</summary>
public sealed class CancelImport(KithDb db, TimeProvider clock)
{
    public async Task<ImportJob> HandleAsync(long id, AccessScope scope, CancellationToken ct)
    {
        var job = await ImportQueries.FindAsync(db, scope, id, ct);
        if (job.IsFinished) throw new RuleViolation($"The import has already ended ({job.Status.ToString().ToLowerInvariant()}).", new Dictionary<string, string[]>(), 409);
        if (job.Status == ImportStatus.Queued)
        {
            job.Status = ImportStatus.Cancelled;
            job.Error = "Cancelled before it started.";
            job.FinishedAt = clock.GetUtcNow().UtcDateTime;
            if (File.Exists(job.StoredPath)) File.Delete(job.StoredPath);
        }
        else job.CancelRequested = true;
        await db.SaveChangesAsync(ct);
        return job;
    }
}
