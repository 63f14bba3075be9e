using Kith.Core.Infrastructure;
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

    public static async Task<TestDatabase> CreateAsync(DatabaseProvider provider, bool migrate = true)
    {
        var folder = Path.Combine(Path.GetTempPath(), "kith-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        TestDatabase db;
        if (provider == DatabaseProvider.Sqlite)
        {
            db = new TestDatabase(DatabaseOptions.Resolve(folder, "sqlite", null), folder, null, null);
        }
        else
        {
            var admin = Environment.GetEnvironmentVariable(PostgresVariable) ?? DefaultPostgres;
            await EnsurePostgresAsync(admin);
            var name = "kith_test_" + Guid.NewGuid().ToString("N")[..16];
            await using (var conn = new NpgsqlConnection(admin))
            {
                await conn.OpenAsync();
                await using var cmd = new NpgsqlCommand($"CREATE DATABASE {name}", conn);
                await cmd.ExecuteNonQueryAsync();
            }
            var csb = new NpgsqlConnectionStringBuilder(admin) { Database = name };
            db = new TestDatabase(DatabaseOptions.Resolve(folder, "postgres", csb.ConnectionString), folder, admin, name);
        }
        if (migrate)
        {
            await using var context = db.Open();
            await DatabaseInitializer.MigrateAsync(context);
        }
        return db;
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
                await using var conn = new NpgsqlConnection(_postgresAdmin);
                await conn.OpenAsync();
                await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_postgresName} WITH (FORCE)", conn);
                await cmd.ExecuteNonQueryAsync();
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
