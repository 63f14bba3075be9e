using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Importing;

/// <summary>
/// Picks the next import to run: the oldest queued one, or one left running by a process that died (its heartbeat is
/// older than <see cref="StaleAfter"/>), which resumes after its last committed batch. Imports run one at a time.
/// </summary>
public sealed class ImportQueue(KithDb db, ImportRunner runner, TimeProvider clock)
{
    public static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(10);

    /// <summary>Runs one job if there is one; false when there was nothing to do.</summary>
    public async Task<bool> RunNextAsync(IProgress<ImportProgress>? progress, CancellationToken ct)
    {
        await BulkMode.RepairAsync(db, ct);
        var stale = clock.GetUtcNow().UtcDateTime - StaleAfter;
        var candidates = await db.ImportJobs.AsNoTracking()
            .Where(j => j.Status == ImportStatus.Queued || (j.Status == ImportStatus.Running && (j.HeartbeatAt == null || j.HeartbeatAt < stale)))
            .OrderBy(j => j.Id).Select(j => new { j.Id, j.StoredPath }).Take(20).ToListAsync(ct);
        // With several nodes, a job runs where its file was uploaded (or on any node sharing the data folder).
        var next = candidates.FirstOrDefault(j => File.Exists(j.StoredPath));
        if (next is null) return false;
        var id = next.Id;
        // Claim it: only one process moves a job from queued (or stale) to running.
        var now = clock.GetUtcNow().UtcDateTime;
        var claimed = await db.ImportJobs
            .Where(j => j.Id == id && (j.Status == ImportStatus.Queued || (j.Status == ImportStatus.Running && (j.HeartbeatAt == null || j.HeartbeatAt < stale))))
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.Status, ImportStatus.Running).SetProperty(j => j.HeartbeatAt, now), ct);
        if (claimed == 0) return true;
        // A user cancels a queued job through its CancelRequested flag; the token here only means the process is stopping.
        await runner.RunAsync(id, progress, CancellationToken.None, stopping: ct, maxErrors: 0);
        return true;
    }
}
