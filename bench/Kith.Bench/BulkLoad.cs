using System.Data.Common;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Threading.Channels;
using Kith.Core.Customers;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Npgsql;
using NpgsqlTypes;

namespace Kith.Bench;

/// <summary>The users the benchmark acts as: one admin and four teams of a manager and four agents, who own the customers.</summary>
internal static class BenchUsers
{
    public const string AdminEmail = "bench-admin@example.com";
    public const string AgentEmail = "agent-1-1@example.com";
    public const int Teams = 4;
    public const int PerTeam = 5;
}

/// <summary>
/// Loads customer_data.csv into a fresh, migrated Kith database by the fastest honest route: the customers table's
/// secondary indexes and search trigger are dropped, rows go in with one prepared INSERT in big transactions
/// (SQLite) or binary COPY (PostgreSQL), then the very same index definitions, read back from the database before
/// dropping them, are created again and the n-gram index is rebuilt. The result is the database Kith itself would
/// hold after saving those customers one by one, only built sooner.
/// </summary>
internal sealed class BulkLoad(DatabaseOptions options, TextWriter log)
{
    private const int BatchSize = 20_000;
    private const int RowsPerTransaction = 200_000;

    public async Task RunAsync(string csv, long limit, CancellationToken ct)
    {
        var total = Stopwatch.StartNew();
        await ResetAsync(ct);
        await using var db = DatabaseRegistration.Open(options);
        await DatabaseInitializer.MigrateAsync(db, ct);
        var owners = await AddUsersAsync(db, ct);
        log.WriteLine($"  fresh database, migrated, {owners.Length} owners: {total.Elapsed.TotalSeconds:F1} s");

        var columns = Columns(db);
        await db.Database.OpenConnectionAsync(ct);
        var conn = db.Database.GetDbConnection();
        var step = Stopwatch.StartNew();
        var saved = await DropIndexesAsync(conn, ct);
        log.WriteLine($"  dropped {saved.Count} index objects of customers to rebuild them after");

        var loadedAt = DateTime.UtcNow;
        // Reading and cleaning (phone parsing dominates) run on the other cores while the database writes.
        var channel = Channel.CreateBounded<Customer[]>(new BoundedChannelOptions(3) { SingleReader = true, SingleWriter = true });
        var producer = Task.Run(async () =>
        {
            try
            {
                foreach (var raw in CustomerCsv.ReadBatches(csv, BatchSize, limit))
                {
                    var cleaned = new Customer[raw.Length];
                    Parallel.For(0, raw.Length, i => cleaned[i] = CustomerCsv.Clean(raw[i], owners, loadedAt));
                    await channel.Writer.WriteAsync(cleaned, ct);
                }
                channel.Writer.Complete();
            }
            catch (Exception e)
            {
                channel.Writer.Complete(e);
            }
        }, ct);
        var rows = options.Provider == DatabaseProvider.Sqlite
            ? await InsertSqliteAsync((SqliteConnection)conn, columns, channel.Reader, ct)
            : await CopyPostgresAsync((NpgsqlConnection)conn, columns, channel.Reader, ct);
        await producer;
        log.WriteLine($"  {rows:N0} customers read, cleaned and written: {step.Elapsed.TotalSeconds:F1} s ({rows / step.Elapsed.TotalSeconds:N0} rows/s)");

        step.Restart();
        await RebuildIndexesAsync(conn, saved, ct);
        log.WriteLine($"  indexes and n-gram search index rebuilt: {step.Elapsed.TotalSeconds:F1} s");
        step.Restart();
        await FinishAsync(conn, ct);
        log.WriteLine($"  {(options.Provider == DatabaseProvider.Sqlite ? "WAL checkpoint" : "ANALYZE, identity sequence")}: {step.Elapsed.TotalSeconds:F1} s");
        await db.Database.CloseConnectionAsync();
        log.WriteLine($"  load total: {total.Elapsed.TotalSeconds:F1} s");
    }

    private async Task ResetAsync(CancellationToken ct)
    {
        if (options.Provider == DatabaseProvider.Sqlite)
        {
            SqliteConnection.ClearAllPools();
            var file = new SqliteConnectionStringBuilder(options.ConnectionString).DataSource;
            foreach (var f in new[] { file, file + "-wal", file + "-shm" })
                if (File.Exists(f)) File.Delete(f);
            return;
        }
        var csb = new NpgsqlConnectionStringBuilder(options.ConnectionString);
        var name = csb.Database ?? throw new ArgumentException("The PostgreSQL connection string needs a Database.");
        if (!System.Text.RegularExpressions.Regex.IsMatch(name, "^[a-z_][a-z0-9_]*$")) throw new ArgumentException($"Use a plain lower-case database name, not '{name}'.");
        var admin = new NpgsqlConnectionStringBuilder(options.ConnectionString) { Database = "postgres" };
        await using var conn = new NpgsqlConnection(admin.ConnectionString);
        await conn.OpenAsync(ct);
        foreach (var sql in new[] { $"DROP DATABASE IF EXISTS {name} WITH (FORCE)", $"CREATE DATABASE {name}" })
        {
            await using var cmd = new NpgsqlCommand(sql, conn);
            await cmd.ExecuteNonQueryAsync(ct);
        }
        NpgsqlConnection.ClearAllPools();
    }

    private static async Task<long[]> AddUsersAsync(KithDb db, CancellationToken ct)
    {
        var now = DateTime.UtcNow;
        var admin = NewUser(BenchUsers.AdminEmail, "Bench Admin", Role.Admin, now);
        db.Users.Add(admin);
        var owners = new List<(int Team, User User)>();
        for (var t = 1; t <= BenchUsers.Teams; t++)
            for (var m = 1; m <= BenchUsers.PerTeam; m++)
            {
                var role = m == 1 ? Role.Manager : Role.Agent;
                var email = role == Role.Manager ? $"manager-{t}@example.com" : $"agent-{t}-{m - 1}@example.com";
                var user = NewUser(email, email.Split('@')[0], role, now);
                db.Users.Add(user);
                owners.Add((t, user));
            }
        var teams = Enumerable.Range(1, BenchUsers.Teams).Select(t => new Team { Name = $"Team {t}", CreatedAt = now }).ToList();
        db.Teams.AddRange(teams);
        await db.SaveChangesAsync(ct);
        foreach (var (t, user) in owners) db.TeamMembers.Add(new TeamMember { TeamId = teams[t - 1].Id, UserId = user.Id });
        await db.SaveChangesAsync(ct);
        db.ChangeTracker.Clear();
        return owners.Select(o => o.User.Id).ToArray();
    }

    private static User NewUser(string email, string name, Role role, DateTime now)
    {
        var user = new User { Email = email, DisplayName = name, Role = role, CreatedAt = now };
        user.PasswordHash = Passwords.Hash(user, Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)));
        return user;
    }

    /// <summary>Every mapped column of the customers table with how to read it from an entity, as EF would write it.</summary>
    private static List<(string Column, Func<Customer, object?> Value)> Columns(KithDb db)
    {
        var entity = db.Model.FindEntityType(typeof(Customer))!;
        var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
        var list = new List<(string, Func<Customer, object?>)>();
        foreach (var p in entity.GetProperties())
        {
            var column = p.GetColumnName(table);
            if (column is null) continue;
            var getter = p.GetGetter();
            var converter = p.GetValueConverter() ?? p.GetTypeMapping().Converter;
            list.Add((column, c =>
            {
                var v = getter.GetClrValue(c);
                return v is null ? null : converter is null ? v : converter.ConvertToProvider(v);
            }));
        }
        return list;
    }

    private sealed record SavedObject(string Name, string Kind, string Sql);

    private async Task<List<SavedObject>> DropIndexesAsync(DbConnection conn, CancellationToken ct)
    {
        var saved = new List<SavedObject>();
        if (options.Provider == DatabaseProvider.Sqlite)
        {
            await ReadAsync(conn, "SELECT name, type, sql FROM sqlite_master WHERE tbl_name = 'customers' AND type IN ('index', 'trigger') AND sql IS NOT NULL",
                r => saved.Add(new SavedObject(r.GetString(0), r.GetString(1), r.GetString(2))), ct);
            // Only the insert trigger feeds the search index; the others stay, as nothing updates or deletes here.
            saved.RemoveAll(s => s.Kind == "trigger" && !s.Name.EndsWith("_ai", StringComparison.Ordinal));
            foreach (var s in saved) await ExecAsync(conn, $"DROP {s.Kind.ToUpperInvariant()} {s.Name}", ct);
        }
        else
        {
            await ReadAsync(conn, "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'customers' AND indexname <> 'pk_customers'",
                r => saved.Add(new SavedObject(r.GetString(0), "index", r.GetString(1))), ct);
            foreach (var s in saved) await ExecAsync(conn, $"DROP INDEX {s.Name}", ct);
        }
        return saved;
    }

    private async Task RebuildIndexesAsync(DbConnection conn, List<SavedObject> saved, CancellationToken ct)
    {
        if (options.Provider == DatabaseProvider.Postgres)
        {
            // One index at a time with the memory PostgreSQL allows a maintenance job on a small server.
            await ExecAsync(conn, "SET maintenance_work_mem = '256MB'", ct);
        }
        foreach (var s in saved.Where(s => s.Kind == "index")) await ExecAsync(conn, s.Sql, ct);
        if (options.Provider == DatabaseProvider.Sqlite)
        {
            await ExecAsync(conn, "INSERT INTO customers_search(customers_search) VALUES ('rebuild')", ct);
            foreach (var s in saved.Where(s => s.Kind == "trigger")) await ExecAsync(conn, s.Sql, ct);
        }
    }

    private async Task FinishAsync(DbConnection conn, CancellationToken ct)
    {
        if (options.Provider == DatabaseProvider.Sqlite)
        {
            await ExecAsync(conn, "PRAGMA wal_checkpoint(TRUNCATE)", ct);
            return;
        }
        await ExecAsync(conn, "SELECT setval(pg_get_serial_sequence('customers', 'id'), (SELECT MAX(id) FROM customers))", ct);
        // Autovacuum would analyze the new rows within a minute; the benchmark does not wait for it.
        await ExecAsync(conn, "VACUUM ANALYZE customers", ct);
    }

    private static async Task<long> InsertSqliteAsync(SqliteConnection conn, List<(string Column, Func<Customer, object?> Value)> columns,
        ChannelReader<Customer[]> batches, CancellationToken ct)
    {
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = $"INSERT INTO customers ({string.Join(", ", columns.Select(c => c.Column))}) VALUES ({string.Join(", ", columns.Select((_, i) => "$p" + i))})";
        var parameters = columns.Select((_, i) => cmd.Parameters.Add(new SqliteParameter("$p" + i, null))).ToArray();
        long rows = 0;
        SqliteTransaction? tx = null;
        await foreach (var batch in batches.ReadAllAsync(ct))
        {
            foreach (var c in batch)
            {
                if (tx is null)
                {
                    tx = conn.BeginTransaction();
                    cmd.Transaction = tx;
                    cmd.Prepare();
                }
                for (var i = 0; i < parameters.Length; i++) parameters[i].Value = columns[i].Value(c) ?? DBNull.Value;
                cmd.ExecuteNonQuery();
                if (++rows % RowsPerTransaction == 0)
                {
                    tx.Commit();
                    tx.Dispose();
                    tx = null;
                }
            }
        }
        tx?.Commit();
        tx?.Dispose();
        return rows;
    }

    private static async Task<long> CopyPostgresAsync(NpgsqlConnection conn, List<(string Column, Func<Customer, object?> Value)> columns,
        ChannelReader<Customer[]> batches, CancellationToken ct)
    {
        long rows = 0;
        await using var writer = await conn.BeginBinaryImportAsync(
            $"COPY customers ({string.Join(", ", columns.Select(c => c.Column))}) FROM STDIN (FORMAT BINARY)", ct);
        await foreach (var batch in batches.ReadAllAsync(ct))
        {
            foreach (var c in batch)
            {
                await writer.StartRowAsync(ct);
                foreach (var (_, value) in columns)
                {
                    switch (value(c))
                    {
                        case null: await writer.WriteNullAsync(ct); break;
                        case string s: await writer.WriteAsync(s, NpgsqlDbType.Text, ct); break;
                        case long l: await writer.WriteAsync(l, NpgsqlDbType.Bigint, ct); break;
                        case int i: await writer.WriteAsync(i, NpgsqlDbType.Integer, ct); break;
                        case bool b: await writer.WriteAsync(b, NpgsqlDbType.Boolean, ct); break;
                        case DateTime d: await writer.WriteAsync(d, NpgsqlDbType.TimestampTz, ct); break;
                        case DateOnly d: await writer.WriteAsync(d, NpgsqlDbType.Date, ct); break;
                        case var other: throw new NotSupportedException($"No COPY mapping for {other.GetType()}.");
                    }
                }
                rows++;
            }
        }
        await writer.CompleteAsync(ct);
        return rows;
    }

    private static async Task ExecAsync(DbConnection conn, string sql, CancellationToken ct)
    {
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        cmd.CommandTimeout = 0;
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private static async Task ReadAsync(DbConnection conn, string sql, Action<DbDataReader> row, CancellationToken ct)
    {
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) row(reader);
    }
}
