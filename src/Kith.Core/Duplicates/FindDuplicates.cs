using System.Collections.Concurrent;
using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Kith.Core.Duplicates.Matching;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Kith.Core.Duplicates;

public enum DuplicateScanPhase { Reading, Comparing, Saving }

/// <summary>How far a scan is: customers read out of those live when it started, then comparing, then saving.</summary>
public sealed record DuplicateScanProgress(DuplicateScanPhase Phase, long Scanned, long Total);

/// <summary>
/// What a scan did. <see cref="Found"/> pairs matched; of them <see cref="Added"/> are new, <see cref="Updated"/> open
/// pairs got a new score or reasons, <see cref="StillDismissed"/> had been dismissed and stay so. <see cref="Removed"/>
/// open pairs no longer match (or a side is no longer live) and are gone. <see cref="Open"/> pairs await review.
/// <see cref="CappedBlocks"/> name values shared by so many customers (a switchboard number, a placeholder address)
/// that only neighbours by name were compared among them: worth a person's look.
/// </summary>
public sealed record DuplicateScanResult(
    long Scanned, long Found, long Added, long Updated, long Removed, long StillDismissed, long Open, TimeSpan Elapsed,
    IReadOnlyList<CappedBlock> CappedBlocks);

/// <summary>
/// Scans every live customer for duplicates and brings the stored <see cref="DuplicatePair"/>s up to date with what
/// the matcher finds now. A person's decisions survive a re-scan: dismissed pairs stay dismissed, merged ones stay
/// merged; only open pairs are replaced. Either the whole result is saved or, when cancelled or failed, nothing.
/// <para>
/// Memory stays bounded for millions of customers: keys are read in id order, a chunk at a time, with a projection
/// and without tracking, and flow to the matcher (which runs on its own thread) through a channel that holds at most
/// two chunks. The matcher keeps the keys until it has compared them (about 270 MB for a million customers); the
/// reading adds a few chunks to that, and the pairs found are a few per hundred customers.
/// </para>
/// </summary>
public sealed class FindDuplicates(KithDb db, TimeProvider clock)
{
    /// <summary>Customers (and stored pairs) read per query; small values let tests cross chunk boundaries.</summary>
    internal int ReadChunk { get; init; } = 10_000;
    internal int WriteBatch { get; init; } = 5_000;
    private const int IdsPerStatement = 1_000;
    private const int MaxShared = 100_000;

    // One scan per database at a time: two would race to insert the same pairs. Keyed by connection string so
    // that separate databases (tests, several workspaces in one process) do not wait for each other.
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> s_running = new(StringComparer.Ordinal);

    /// <summary>Runs a scan for a signed-in user; administrators and managers only.</summary>
    public Task<DuplicateScanResult> HandleAsync(AccessScope scope, IProgress<DuplicateScanProgress>? progress, CancellationToken ct)
    {
        if (scope.Role is not (Role.Admin or Role.Manager))
            throw new Forbidden("Only administrators and managers may scan for duplicates.");
        return RunAsync(progress, ct);
    }

    /// <summary>Runs a scan without a user, as `kith duplicates scan` does on the server's own database.</summary>
    public async Task<DuplicateScanResult> RunAsync(IProgress<DuplicateScanProgress>? progress, CancellationToken ct)
    {
        var gate = s_running.GetOrAdd(db.Database.GetConnectionString() ?? "", _ => new SemaphoreSlim(1, 1));
        if (!await gate.WaitAsync(0, ct))
            throw new RuleViolation("A duplicate scan is running already; wait for it to finish.", status: 409);
        try
        {
            var started = clock.GetTimestamp();
            var total = await db.Customers.AsNoTracking().LongCountAsync(c => c.DeletedAt == null, ct);
            progress?.Report(new DuplicateScanProgress(DuplicateScanPhase.Reading, 0, total));
            var capped = new List<CappedBlock>();
            var (scanned, found) = await MatchAllAsync(total, progress, capped, ct);
            progress?.Report(new DuplicateScanProgress(DuplicateScanPhase.Saving, scanned, total));
            var counts = await SaveAsync(found, ct);
            return counts with { Scanned = scanned, Elapsed = clock.GetElapsedTime(started), CappedBlocks = capped };
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<(long Scanned, Dictionary<(long, long), DuplicateMatch> Found)> MatchAllAsync(
        long total, IProgress<DuplicateScanProgress>? progress, List<CappedBlock> capped, CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var channel = Channel.CreateBounded<PersonKey[]>(new BoundedChannelOptions(2) { SingleReader = true, SingleWriter = true });
        long scanned = 0;
        void Counted(int n)
        {
            var done = Interlocked.Add(ref scanned, n);
            progress?.Report(new DuplicateScanProgress(n == 0 ? DuplicateScanPhase.Comparing : DuplicateScanPhase.Reading, done, total));
        }
        var options = new DuplicateScanOptions { CappedBlockFound = capped.Add };
        // The matcher pulls keys synchronously, so it gets a thread of its own and waits on the channel there. If it
        // fails, the reader must stop too, or it would wait forever to write into a channel nobody empties.
        var matcher = Task.Factory.StartNew(() =>
        {
            try
            {
                return Match(channel.Reader, options, Counted, stop.Token);
            }
            catch (Exception)
            {
                stop.Cancel();
                throw;
            }
        }, stop.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        var shared = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            long last = 0;
            while (true)
            {
                var chunk = await db.Customers.AsNoTracking()
                    .Where(c => c.DeletedAt == null && c.Id > last)
                    .OrderBy(c => c.Id)
                    .Take(ReadChunk)
                    .Select(c => new PersonKey(c.Id, c.Name, c.Email, c.Phone, c.Company != null ? c.Company.Name : null, c.City))
                    .ToArrayAsync(stop.Token);
                if (chunk.Length == 0) break;
                for (var i = 0; i < chunk.Length; i++)
                    if (SensitiveFields.FieldCipher.IsSealed(chunk[i].Phone))
                        chunk[i] = chunk[i] with { Phone = SensitiveFields.SealedReads.OpenSealed(db, chunk[i].Phone, SensitiveFields.SealableFields.Phone, chunk[i].Id) };
                Share(chunk, shared);
                await channel.Writer.WriteAsync(chunk, stop.Token);
                last = chunk[^1].Id;
                if (chunk.Length < ReadChunk) break;
            }
            channel.Writer.Complete();
        }
        catch (Exception e)
        {
            // A failed read must not look like the end of the customers: the matcher stops with the error too.
            channel.Writer.TryComplete(e);
            await stop.CancelAsync();
            try
            {
                await matcher;
            }
            catch (Exception) when (matcher.IsFaulted || matcher.IsCanceled)
            {
                // Reported below: the matcher's own failure when it caused the stop, otherwise the read's.
            }
            if (matcher.IsFaulted && e is OperationCanceledException && !ct.IsCancellationRequested)
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(matcher.Exception!.InnerException!);
            throw;
        }
        var found = await matcher;
        return (Interlocked.Read(ref scanned), found);
    }

    private static Dictionary<(long, long), DuplicateMatch> Match(ChannelReader<PersonKey[]> reader, DuplicateScanOptions options,
        Action<int> counted, CancellationToken ct)
    {
        var found = new Dictionary<(long, long), DuplicateMatch>();
        using var keys = Drain(reader, counted, ct).GetEnumerator();
        // The matcher wants at least one person; with none there is nothing to compare.
        if (!keys.MoveNext()) return found;
        foreach (var m in DuplicateScan.FindPairs(Rest(keys), options, null, ct))
        {
            if (m.Id == m.OtherId) continue;
            var key = Key(m.Id, m.OtherId);
            if (!found.TryGetValue(key, out var had) || had.Score < m.Score) found[key] = m;
        }
        return found;
    }

    /// <summary>
    /// The matcher keeps every key until it is done, and each row read brings its own copy of its city and company
    /// name; a million customers share a few thousand of those, so one copy of each saves tens of megabytes.
    /// </summary>
    private static void Share(PersonKey[] chunk, Dictionary<string, string> shared)
    {
        string? One(string? value)
        {
            if (value is null) return null;
            if (shared.TryGetValue(value, out var kept)) return kept;
            // Values that are mostly distinct (a million company names) would only make the table grow.
            if (shared.Count < MaxShared) shared[value] = value;
            return value;
        }
        for (var i = 0; i < chunk.Length; i++)
        {
            var k = chunk[i];
            var (city, company) = (One(k.City), One(k.CompanyName));
            if (!ReferenceEquals(city, k.City) || !ReferenceEquals(company, k.CompanyName)) chunk[i] = k with { City = city, CompanyName = company };
        }
    }

    /// <summary>The enumerator's current item and those after it.</summary>
    private static IEnumerable<PersonKey> Rest(IEnumerator<PersonKey> keys)
    {
        do yield return keys.Current;
        while (keys.MoveNext());
    }

    private static IEnumerable<PersonKey> Drain(ChannelReader<PersonKey[]> reader, Action<int> counted, CancellationToken ct)
    {
        while (true)
        {
            while (reader.TryRead(out var chunk))
            {
                foreach (var key in chunk) yield return key;
                counted(chunk.Length);
            }
            // Completion with an error rethrows it here, so a failed read fails the scan instead of ending it early.
            if (!reader.WaitToReadAsync(ct).AsTask().GetAwaiter().GetResult())
            {
                counted(0);
                yield break;
            }
        }
    }

    private sealed record Stored(long Id, (long, long) Key, DuplicateStatus Status, bool IsExact, double Score, string Reasons);

    private async Task<DuplicateScanResult> SaveAsync(Dictionary<(long, long), DuplicateMatch> found, CancellationToken ct)
    {
        var stored = new Dictionary<(long, long), Stored>();
        long last = 0;
        while (true)
        {
            var rows = await db.DuplicatePairs.AsNoTracking().Where(p => p.Id > last).OrderBy(p => p.Id).Take(ReadChunk)
                .Select(p => new { p.Id, p.CustomerId, p.OtherCustomerId, p.Status, p.IsExact, p.Score, p.Reasons })
                .ToListAsync(ct);
            foreach (var r in rows)
                stored[Key(r.CustomerId, r.OtherCustomerId)] = new Stored(r.Id, Key(r.CustomerId, r.OtherCustomerId), r.Status, r.IsExact, r.Score, r.Reasons);
            if (rows.Count < ReadChunk) break;
            last = rows[^1].Id;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var added = new List<DuplicatePair>();
        var updated = new List<DuplicatePair>();
        long stillDismissed = 0, stillMerged = 0;
        foreach (var (key, m) in found)
        {
            var isExact = m.Kind == MatchKind.Exact;
            var reasons = Clip(m.Explain());
            if (!stored.TryGetValue(key, out var s))
            {
                added.Add(new DuplicatePair
                {
                    CustomerId = key.Item1, OtherCustomerId = key.Item2, IsExact = isExact, Score = m.Score, Reasons = reasons,
                    Status = DuplicateStatus.Open, FoundAt = now,
                });
                continue;
            }
            switch (s.Status)
            {
                case DuplicateStatus.Dismissed: stillDismissed++; break;
                case DuplicateStatus.Merged: stillMerged++; break;
                default:
                    if (s.IsExact != isExact || Math.Abs(s.Score - m.Score) > 1e-9 || s.Reasons != reasons)
                        updated.Add(new DuplicatePair { Id = s.Id, IsExact = isExact, Score = m.Score, Reasons = reasons });
                    break;
            }
        }
        var removed = stored.Values.Where(s => s.Status == DuplicateStatus.Open && !found.ContainsKey(s.Key)).Select(s => s.Id).ToList();

        var detect = db.ChangeTracker.AutoDetectChangesEnabled;
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        try
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            foreach (var ids in removed.Chunk(IdsPerStatement))
                await db.DuplicatePairs.Where(p => ids.Contains(p.Id)).ExecuteDeleteAsync(ct);
            foreach (var batch in updated.Chunk(WriteBatch))
            {
                foreach (var p in batch)
                {
                    var entry = db.DuplicatePairs.Attach(p);
                    entry.Property(x => x.IsExact).IsModified = true;
                    entry.Property(x => x.Score).IsModified = true;
                    entry.Property(x => x.Reasons).IsModified = true;
                }
                await db.SaveChangesAsync(ct);
                db.ChangeTracker.Clear();
            }
            foreach (var batch in added.Chunk(WriteBatch)) await InsertAsync(batch, ct);
            await tx.CommitAsync(ct);
        }
        catch (Exception e) when (IsUniqueViolation(e))
        {
            db.ChangeTracker.Clear();
            throw new RuleViolation("Duplicate pairs changed while the scan was saving (an import may have flagged some); run the scan again.", status: 409);
        }
        finally
        {
            db.ChangeTracker.Clear();
            db.ChangeTracker.AutoDetectChangesEnabled = detect;
        }
        return new DuplicateScanResult(0, found.Count, added.Count, updated.Count, removed.Count, stillDismissed,
            found.Count - stillDismissed - stillMerged, TimeSpan.Zero, []);
    }

    /// <summary>
    /// New pairs, written with plain INSERT statements in the open transaction: change tracking took about half a
    /// millisecond a row (fifteen seconds for the 30,000 pairs of a million customers). SQLite runs one prepared
    /// single-row statement again and again, which it does fastest (binding thousands of named parameters in one
    /// statement costs more than the statements it saves); PostgreSQL gets a few hundred rows per statement, which
    /// saves round trips. Table and column names come from the EF model.
    /// </summary>
    private async Task InsertAsync(IReadOnlyList<DuplicatePair> rows, CancellationToken ct)
    {
        var rowsPerStatement = db.Provider == DatabaseProvider.Sqlite ? 1 : 500;
        var entity = db.Model.FindEntityType(typeof(DuplicatePair)) ?? throw new InvalidOperationException("DuplicatePair is not in the model.");
        string Column(string property) => entity.FindProperty(property)!.GetColumnName();
        var columns = new[]
        {
            nameof(DuplicatePair.CustomerId), nameof(DuplicatePair.OtherCustomerId), nameof(DuplicatePair.IsExact), nameof(DuplicatePair.Score),
            nameof(DuplicatePair.Reasons), nameof(DuplicatePair.Status), nameof(DuplicatePair.FoundAt),
        }.Select(Column).ToArray();
        var connection = db.Database.GetDbConnection();
        DbCommand? command = null;
        try
        {
            foreach (var chunk in rows.Chunk(rowsPerStatement))
            {
                if (command is null || command.Parameters.Count != chunk.Length * columns.Length)
                {
                    if (command is not null) await command.DisposeAsync();
                    command = connection.CreateCommand();
                    command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
                    var sql = new StringBuilder($"INSERT INTO {entity.GetTableName()} ({string.Join(", ", columns)}) VALUES ");
                    for (var i = 0; i < chunk.Length; i++)
                    {
                        sql.Append(i == 0 ? "(" : ", (");
                        for (var j = 0; j < columns.Length; j++)
                        {
                            var parameter = command.CreateParameter();
                            parameter.ParameterName = string.Create(CultureInfo.InvariantCulture, $"@p{i}_{j}");
                            command.Parameters.Add(parameter);
                            sql.Append(j == 0 ? "" : ", ").Append(parameter.ParameterName);
                        }
                        sql.Append(')');
                    }
                    command.CommandText = sql.ToString();
                }
                for (var i = 0; i < chunk.Length; i++)
                {
                    var p = chunk[i];
                    object[] values = [p.CustomerId, p.OtherCustomerId, p.IsExact, p.Score, p.Reasons, p.Status.ToString(), p.FoundAt];
                    for (var j = 0; j < values.Length; j++) command.Parameters[i * columns.Length + j].Value = values[j];
                }
                await command.ExecuteNonQueryAsync(ct);
            }
        }
        finally
        {
            if (command is not null) await command.DisposeAsync();
        }
    }

    private static bool IsUniqueViolation(Exception e) => (e is DbUpdateException ? e.InnerException : e) switch
    {
        Microsoft.Data.Sqlite.SqliteException { SqliteExtendedErrorCode: 2067 or 1555 } => true,
        Npgsql.PostgresException { SqlState: "23505" } => true,
        _ => false,
    };

    internal static (long, long) Key(long a, long b) => a < b ? (a, b) : (b, a);

    /// <summary>Reasons are stored in at most 500 characters (the column's size).</summary>
    internal static string Clip(string reasons) => reasons.Length <= 500 ? reasons : reasons[..499] + "…";
}
