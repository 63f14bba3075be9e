using Kith.Core.Identity;
using Kith.Core.Importing.Cleaning;
using Kith.Core.Importing.Files;
using Kith.Core.Infrastructure;

namespace Kith.Core.Importing;

/// <summary>
/// Queues an import: keeps a copy of the file under the data folder (so the job can run, and resume after a crash,
/// without the upload) and records the job with its options. Running it is <see cref="ImportRunner"/>'s work.
/// </summary>
public sealed class StartImport(KithDb db, DatabaseOptions database, TimeProvider clock)
{
    /// <param name="runHere">The caller runs the job itself now (the CLI): it starts as running, so no server's queue takes it.</param>
    public async Task<ImportJob> HandleAsync(ImportKind kind, Stream content, string fileName, ImportOptions options, AccessScope scope,
        ActorKind via, CancellationToken ct, bool runHere = false)
    {
        scope.EnsureCanCreate();
        options.Validate();
        if (options.OwnerId is { } owner && owner != scope.UserId && !scope.Policy.CanAssign)
            throw new Forbidden("Your role may not assign records to another owner.");
        var name = Path.GetFileName(fileName ?? "").Trim();
        if (name.Length == 0) name = "upload";
        if (name.Length > 200) name = name[^200..];
        var folder = Path.Combine(database.DataDirectory, "imports");
        Directory.CreateDirectory(folder);
        var stored = Path.Combine(folder, $"{Guid.NewGuid():N}.upload");
        long bytes;
        await using (var file = new FileStream(stored, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
        {
            await content.CopyToAsync(file, ct);
            bytes = file.Length;
        }
        await EnsureWritableAsync(kind, stored, options, scope, ct);
        var job = new ImportJob
        {
            Kind = kind, Status = runHere ? ImportStatus.Running : ImportStatus.Queued, HeartbeatAt = runHere ? clock.GetUtcNow().UtcDateTime : null, FileName = name, StoredPath = stored, Options = options.ToJson(), FileBytes = bytes,
            CreatedByUserId = scope.UserId, CreatedByKind = via, CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        db.ImportJobs.Add(job);
        await db.SaveChangesAsync(ct);
        return job;
    }

    /// <summary>
    /// A file that would write a field the user's role may only read is refused now, naming the field, rather than
    /// failing later as a job. A file that cannot be read or mapped is left to the job, which reports it as for anyone.
    /// </summary>
    private async Task EnsureWritableAsync(ImportKind kind, string stored, ImportOptions options, AccessScope scope, CancellationToken ct)
    {
        if (scope.Fields.IsOpen) return;
        try
        {
            using var file = TabularFile.Open(stored, new TabularOptions { Encoding = options.Encoding, Delimiter = options.Delimiter });
            var mapping = await ImportRunner.MapAsync(db, kind, file.Header, options, scope.Fields, ct);
            ImportFieldAccess.EnsureWritable(scope.Fields, kind, mapping, options);
        }
        catch (Exception e) when (e is TabularFileException or MappingException)
        {
        }
        catch
        {
            File.Delete(stored);
            throw;
        }
    }
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
