using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Kith.Tests.Infrastructure;

/// <summary>
/// Fresh, migrated databases for tests: a SQLite file in a temporary folder, or a new database on the PostgreSQL
/// server named by KITH_TEST_POSTGRES (default: the local server, user kith, password kith). A test that asks for
/// PostgreSQL when no server answers is skipped with a message saying so; CI always has one.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    public const string PostgresVariable = "KITH_TEST_POSTGRES";
    private const string DefaultPostgres = "Host=127.0.0.1;Port=5432;Username=kith;Password=kith;Database=postgres;Timeout=5";
    private static bool? s_postgresReachable;
    private static readonly SemaphoreSlim s_probe = new(1, 1);

    private readonly string? _postgresAdmin;
    private readonly string? _postgresName;

    private TestDatabase(DatabaseOptions options, string folder, string? postgresAdmin, string? postgresName)
    {
        Options = options;
        Folder = folder;
        _postgresAdmin = postgresAdmin;
        _postgresName = postgresName;
    }

    public DatabaseOptions Options { get; }
    /// <summary>A temporary folder that is removed afterwards: the data folder for SQLite, scratch space for both.</summary>
    public string Folder { get; }

    /// <param name="migrate">
    /// A migrated database is a copy of one template per test process (a file copy for SQLite, CREATE DATABASE …
    /// TEMPLATE for PostgreSQL), migrated once with <see cref="DatabaseInitializer.MigrateAsync"/>: the same schema
    /// and rows as migrating each database, without paying for the migrations hundreds of times. Tests of the
    /// migrations themselves ask for an empty database.
    /// </param>
    public static async Task<TestDatabase> CreateAsync(DatabaseProvider provider, bool migrate = true)
    {
        var folder = NewFolder();
        if (provider == DatabaseProvider.Sqlite)
        {
            if (migrate)
                File.Copy(await SqliteTemplateAsync(), Path.Combine(folder, DatabaseOptions.SqliteFileName));
            return new TestDatabase(DatabaseOptions.Resolve(folder, "sqlite", null), folder, null, null);
        }
        var admin = Environment.GetEnvironmentVariable(PostgresVariable) ?? DefaultPostgres;
        await EnsurePostgresAsync(admin);
        var name = "kith_test_" + Guid.NewGuid().ToString("N")[..16];
        var template = migrate ? await PostgresTemplateAsync(admin) : null;
        await ExecuteAsync(admin, template is null ? $"CREATE DATABASE {name}" : $"CREATE DATABASE {name} TEMPLATE {template}");
        return new TestDatabase(DatabaseOptions.Resolve(folder, "postgres", WithDatabase(admin, name)), folder, admin, name);
    }

    private static readonly SemaphoreSlim s_templates = new(1, 1);
    private static string? s_sqliteTemplate;
    private static string? s_postgresTemplate;

    private static string NewFolder()
    {
        var folder = Path.Combine(Path.GetTempPath(), "kith-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        return folder;
    }

    private static async Task<string> SqliteTemplateAsync()
    {
        await s_templates.WaitAsync();
        try
        {
            if (s_sqliteTemplate is not null) return s_sqliteTemplate;
            var folder = NewFolder();
            var options = DatabaseOptions.Resolve(folder, "sqlite", null);
            await using (var db = DatabaseRegistration.Open(options))
            {
                await DatabaseInitializer.MigrateAsync(db);
                await ForgetMarkAsync(db);
                await db.Database.ExecuteSqlRawAsync("PRAGMA wal_checkpoint(TRUNCATE);");
            }
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            AppDomain.CurrentDomain.ProcessExit += (_, _) => { try { Directory.Delete(folder, recursive: true); } catch (IOException) { } };
            return s_sqliteTemplate = Path.Combine(folder, DatabaseOptions.SqliteFileName);
        }
        finally
        {
            s_templates.Release();
        }
    }

    /// <summary>
    /// Each copy of a template is an install of its own, with its own mark for the kithIds its exports write: the
    /// template's is removed, and a copy makes one when it is next set up (a test host's start) or first exports.
    /// </summary>
    private static Task ForgetMarkAsync(KithDb db) =>
        db.Settings.Where(s => s.Key == Kith.Core.Settings.KithIds.MarkKey).ExecuteDeleteAsync();

    private static async Task<string> PostgresTemplateAsync(string admin)
    {
        await s_templates.WaitAsync();
        try
        {
            if (s_postgresTemplate is not null) return s_postgresTemplate;
            var name = $"kith_template_{Environment.ProcessId}_{Guid.NewGuid().ToString("N")[..8]}";
            await ExecuteAsync(admin, $"CREATE DATABASE {name}");
            var connection = WithDatabase(admin, name);
            await using (var db = DatabaseRegistration.Open(DatabaseOptions.Resolve(NewFolder(), "postgres", connection)))
            {
                await DatabaseInitializer.MigrateAsync(db);
                await ForgetMarkAsync(db);
            }
            // A template must have no open connections when it is copied.
            await using (var pooled = new NpgsqlConnection(connection)) NpgsqlConnection.ClearPool(pooled);
            AppDomain.CurrentDomain.ProcessExit += (_, _) =>
            {
                try { ExecuteAsync(admin, $"DROP DATABASE IF EXISTS {name} WITH (FORCE)").GetAwaiter().GetResult(); }
                catch (NpgsqlException) { }
            };
            return s_postgresTemplate = name;
        }
        finally
        {
            s_templates.Release();
        }
    }

    private static string WithDatabase(string admin, string name) =>
        new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString;

    private static async Task ExecuteAsync(string connection, string sql)
    {
        await using var conn = new NpgsqlConnection(connection);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }

    public KithDb Open() => DatabaseRegistration.Open(Options);

    private static async Task EnsurePostgresAsync(string admin)
    {
        await s_probe.WaitAsync();
        try
        {
            if (s_postgresReachable is null)
            {
                try
                {
                    await using var conn = new NpgsqlConnection(admin);
                    await conn.OpenAsync();
                    s_postgresReachable = true;
                }
                catch (Exception)
                {
                    s_postgresReachable = false;
                }
            }
        }
        finally
        {
            s_probe.Release();
        }
        if (s_postgresReachable == false)
            Assert.Skip($"PostgreSQL is not reachable ({Redact(admin)}); set {PostgresVariable} to a server where the user may create databases. CI runs these tests.");
    }

    private static string Redact(string connection)
    {
        var csb = new NpgsqlConnectionStringBuilder(connection) { Password = null };
        return csb.ConnectionString;
    }

    public async ValueTask DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (_postgresAdmin is not null && _postgresName is not null)
        {
            NpgsqlConnection.ClearAllPools();
            try
            {
                await ExecuteAsync(_postgresAdmin, $"DROP DATABASE IF EXISTS {_postgresName} WITH (FORCE)");
            }
            catch (NpgsqlException)
            {
                // A database left behind on a test server is harmless; the next run uses a new name.
            }
        }
        try { Directory.Delete(Folder, recursive: true); } catch (IOException) { }
    }
}

/// <summary>Both providers, for [Theory] data: every data test runs on SQLite and on PostgreSQL.</summary>
public sealed class Providers : TheoryData<DatabaseProvider>
{
    public Providers()
    {
        Add(DatabaseProvider.Sqlite);
        Add(DatabaseProvider.Postgres);
    }
}
