using System.Collections.Concurrent;
using Kith.Core.Importing;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Behavior;

/// <summary>
/// Group commit for the events API (ADR-0039): the batches that wait for the writer while another is being stored go
/// into the database together, in one transaction, each inside a savepoint of its own. A batch's answer is still its
/// own, and a batch that fails rolls back to its savepoint alone: the others of the group are stored all the same.
/// </summary>
/// <remarks>
/// On SQLite most of a batch's cost is writing the pages of the random <c>(customer_id, occurred_at)</c> index: the
/// commit writes each page a transaction dirtied to the WAL once, whatever the number of events on it, so batches
/// committed together share the pages they touch (and the checkpoint that copies them back). A single sender never
/// waits behind anyone and commits alone, as before. Requests check their events on their own threads first, so
/// several senders also keep both cores busy while one batch is written.
/// </remarks>
public sealed class EventBatchCommits
{
    /// <summary>Events one transaction stores at most: bounds how long the writer is held (a few tenths of a second).</summary>
    public const int MaxEventsPerCommit = 50_000;

    private readonly SemaphoreSlim _writer = new(1, 1);
    private readonly ConcurrentQueue<Waiting> _waiting = new();

    private sealed class Waiting(EventBatch batch)
    {
        public EventBatch Batch { get; } = batch;
        public TaskCompletionSource<WrittenBatch> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>
    /// Stores <paramref name="batch"/>: the request that gets the writer stores every batch waiting then (up to
    /// <see cref="MaxEventsPerCommit"/> events a transaction) on its own <paramref name="db"/>, its own batch among them.
    /// A batch once queued is stored even if its sender gives up waiting (the same as a batch whose answer was lost:
    /// sending it again counts nothing twice).
    /// </summary>
    internal async Task<WrittenBatch> WriteAsync(KithDb db, EventBatch batch)
    {
        var mine = new Waiting(batch);
        _waiting.Enqueue(mine);
        await _writer.WaitAsync();
        try
        {
            while (!mine.Done.Task.IsCompleted) await CommitAsync(db, Take());
        }
        finally
        {
            _writer.Release();
        }
        return await mine.Done.Task;
    }

    private List<Waiting> Take()
    {
        var group = new List<Waiting>();
        var events = 0;
        while (_waiting.TryPeek(out var next) && (group.Count == 0 || events + next.Batch.Events.Count <= MaxEventsPerCommit)
               && _waiting.TryDequeue(out next))
        {
            group.Add(next);
            events += next.Batch.Events.Count;
        }
        return group;
    }

    /// <summary>Stores <paramref name="batches"/> as one group, as the request holding the writer does; each task is one batch's outcome.</summary>
    internal static async Task<Task<WrittenBatch>[]> CommitTogetherAsync(KithDb db, IEnumerable<EventBatch> batches)
    {
        var group = batches.Select(b => new Waiting(b)).ToList();
        await CommitAsync(db, group);
        return [.. group.Select(w => w.Done.Task)];
    }

    private static async Task CommitAsync(KithDb db, List<Waiting> group)
    {
        // Not the leader's request token: the group holds other senders' batches.
        var ct = CancellationToken.None;
        var written = new List<(Waiting, WrittenBatch)>(group.Count);
        var sqlite = db.Provider == DatabaseProvider.Sqlite;
        try
        {
            // Without SQLite's foreign-key check of each event against customers (a random read of the customers table,
            // 0.04 s of a batch's 0.14 s of inserting at M): the customers were found in this same transaction, which holds
            // the write lock, so none of them can be gone by the time their events are stored. SQLite ignores the pragma
            // inside a transaction, so it is set on the connection, held open until it is set back.
            if (sqlite)
            {
                await db.Database.OpenConnectionAsync(ct);
                await Sql.ExecAsync(db, "PRAGMA foreign_keys=OFF", ct);
            }
            try
            {
                await using var tx = await db.Database.BeginTransactionAsync(ct);
                if (group.Count == 1) written.Add((group[0], await IngestEvents.WriteAsync(db, group[0].Batch, ct)));
                else
                    foreach (var w in group)
                    {
                        await tx.CreateSavepointAsync("batch", ct);
                        try
                        {
                            written.Add((w, await IngestEvents.WriteAsync(db, w.Batch, ct)));
                            await tx.ReleaseSavepointAsync("batch", ct);
                        }
                        catch (Exception e)
                        {
                            await tx.RollbackToSavepointAsync("batch", ct);
                            await tx.ReleaseSavepointAsync("batch", ct);
                            w.Done.SetException(e);
                        }
                    }
                await tx.CommitAsync(ct);
            }
            finally
            {
                if (sqlite)
                {
                    // The transaction is over (committed or rolled back by its disposal), so the pragma takes effect again.
                    await Sql.ExecAsync(db, "PRAGMA foreign_keys=ON", ct);
                    await db.Database.CloseConnectionAsync();
                }
            }
        }
        catch (Exception e)
        {
            // Nothing of the group is stored (one transaction): each of its senders gets the error and may send again.
            foreach (var w in group) w.Done.TrySetException(e);
            return;
        }
        foreach (var (w, result) in written) w.Done.SetResult(result);
    }
}
