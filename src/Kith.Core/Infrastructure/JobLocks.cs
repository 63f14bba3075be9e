using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace Kith.Core.Infrastructure;

/// <summary>
/// Makes a kind of background work (mail sync, the behaviour rollup, scheduled backups, …) run on one node at a time
/// when several `kith serve` processes share one PostgreSQL database. A node takes the job's session-level advisory
/// lock (<c>pg_try_advisory_lock</c>) on a connection of its own and keeps it while it does that work; PostgreSQL
/// releases it when the node stops or its connection dies, and another node then takes it over. SQLite serves one
/// process, so there every lock is granted at once.
/// </summary>
public sealed class JobLocks(DatabaseOptions database)
{
    /// <summary>
    /// This node, in the application_name of its lock connections ("kith NODE JOB"), so pg_stat_activity shows which
    /// node runs which job.
    /// </summary>
    public string Node { get; } = Guid.NewGuid().ToString("N")[..8];

    /// <summary>How often a node that does not hold a job asks again, and how often the holder checks it still does.</summary>
    public TimeSpan RetryEvery { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Takes the job's lock if no other node holds it; null when one does.</summary>
    public async Task<JobLock?> TryTakeAsync(string job, CancellationToken ct)
    {
        if (database.Provider == DatabaseProvider.Sqlite) return new JobLock(job, null);
        // Pooling off: the lock belongs to this physical connection and must die with it, never return to a pool.
        var csb = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Pooling = false, KeepAlive = 30, ApplicationName = $"kith {Node} {job}" };
        var connection = new NpgsqlConnection(csb.ConnectionString);
        try
        {
            await connection.OpenAsync(ct);
            await using var cmd = new NpgsqlCommand("SELECT pg_try_advisory_lock(@key)", connection);
            cmd.Parameters.AddWithValue("key", Key(job));
            if (await cmd.ExecuteScalarAsync(ct) is true) return new JobLock(job, connection);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
        await connection.DisposeAsync();
        return null;
    }

    /// <summary>
    /// Runs <paramref name="work"/> while this node holds the job: waits until it can take the lock, cancels the work
    /// if the lock is lost (the database connection broke), and takes it again when it can. Returns on shutdown.
    /// </summary>
    public async Task RunWhileHeldAsync(string job, Func<CancellationToken, Task> work, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            JobLock? held = null;
            try
            {
                held = await TryTakeAsync(job, stoppingToken);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException)
            {
                // The database is unreachable: nobody can do the work; ask again later.
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            if (held is null)
            {
                try { await Task.Delay(RetryEvery, stoppingToken); }
                catch (OperationCanceledException) { return; }
                continue;
            }
            await using (held)
            {
                using var lost = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                var running = work(lost.Token);
                while (!running.IsCompleted)
                {
                    var tick = Task.Delay(RetryEvery, stoppingToken);
                    await Task.WhenAny(running, tick);
                    if (running.IsCompleted || stoppingToken.IsCancellationRequested) break;
                    if (!await held.StillHeldAsync(stoppingToken)) await lost.CancelAsync();
                }
                try { await running; }
                catch (OperationCanceledException) { }
            }
        }
    }

    /// <summary>A stable 64-bit key per job name, inside a namespace of Kith's own so other users of the database do not collide.</summary>
    internal static long Key(string job) =>
        BinaryPrimitives.ReadInt64BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes("kith.job:" + job)));
}

/// <summary>A held job lock; disposing it releases the lock (closing its connection).</summary>
public sealed class JobLock : IAsyncDisposable
{
    private readonly NpgsqlConnection? _connection;

    internal JobLock(string job, NpgsqlConnection? connection)
    {
        Job = job;
        _connection = connection;
    }

    public string Job { get; }

    /// <summary>False once the connection that holds the lock is gone, so the lock may be with another node now.</summary>
    public async Task<bool> StillHeldAsync(CancellationToken ct)
    {
        if (_connection is null) return true;
        try
        {
            await using var cmd = new NpgsqlCommand("SELECT 1", _connection);
            await cmd.ExecuteScalarAsync(ct);
            return true;
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null) await _connection.DisposeAsync();
    }
}
