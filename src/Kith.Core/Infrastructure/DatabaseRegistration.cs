using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace Kith.Core.Infrastructure;

public static class DatabaseRegistration
{
    /// <summary>Registers <see cref="KithDb"/> for the chosen provider, plus a factory for background work.</summary>
    public static IServiceCollection AddKithDatabase(this IServiceCollection services, DatabaseOptions options)
    {
        services.AddSingleton(options);
        if (options.Provider == DatabaseProvider.Sqlite)
        {
            Directory.CreateDirectory(options.DataDirectory);
            services.AddDbContextFactory<SqliteKithDb>(o => ConfigureSqlite(o, options.ConnectionString, options.Space, SensitiveFields.FieldKeyRing.PathFor(options)));
            services.AddScoped<KithDb>(sp => sp.GetRequiredService<IDbContextFactory<SqliteKithDb>>().CreateDbContext());
            services.AddSingleton<Func<KithDb>>(sp => () => sp.GetRequiredService<IDbContextFactory<SqliteKithDb>>().CreateDbContext());
        }
        else
        {
            services.AddDbContextFactory<PostgresKithDb>(o => ConfigurePostgres(o, options.ConnectionString, SensitiveFields.FieldKeyRing.PathFor(options)));
            services.AddScoped<KithDb>(sp => sp.GetRequiredService<IDbContextFactory<PostgresKithDb>>().CreateDbContext());
            services.AddSingleton<Func<KithDb>>(sp => () => sp.GetRequiredService<IDbContextFactory<PostgresKithDb>>().CreateDbContext());
        }
        return services;
    }

    /// <summary>A context outside dependency injection, for the CLI, tests and benchmarks.</summary>
    public static KithDb Open(DatabaseOptions options)
    {
        if (options.Provider == DatabaseProvider.Sqlite)
        {
            Directory.CreateDirectory(options.DataDirectory);
            var b = new DbContextOptionsBuilder<SqliteKithDb>();
            ConfigureSqlite(b, options.ConnectionString, options.Space, SensitiveFields.FieldKeyRing.PathFor(options));
            return new SqliteKithDb(b.Options);
        }
        var p = new DbContextOptionsBuilder<PostgresKithDb>();
        ConfigurePostgres(p, options.ConnectionString, SensitiveFields.FieldKeyRing.PathFor(options));
        return new PostgresKithDb(p.Options);
    }

    /// <param name="space">A cap on the file's size (KITH_SQLITE_MAX_PAGE_COUNT), set again on every open.</param>
    /// <param name="fieldKeys">The field key file (ADR-0017); with it, customers' sensitive values are sealed and opened on the way.</param>
    internal static void ConfigureSqlite(DbContextOptionsBuilder builder, string connectionString, SqliteSpace? space = null, string? fieldKeys = null)
    {
        var csb = new SqliteConnectionStringBuilder(connectionString) { DefaultTimeout = 30, Pooling = true };
        builder.UseSqlite(csb.ConnectionString, o => o.MigrationsHistoryTable("__migrations"))
            .AddInterceptors(space is null ? SqlitePragmas.Instance : new SqlitePragmas(space));
        if (fieldKeys is not null) SensitiveFields.FieldKeysOption.Add(builder, fieldKeys);
    }

    internal static void ConfigurePostgres(DbContextOptionsBuilder builder, string connectionString, string? fieldKeys = null)
    {
        builder.UseNpgsql(connectionString, o => o.MigrationsHistoryTable("__migrations"));
        if (fieldKeys is not null) SensitiveFields.FieldKeysOption.Add(builder, fieldKeys);
    }

    /// <summary>
    /// WAL lets readers run beside the one writer; NORMAL sync is durable across application crashes in WAL mode;
    /// busy_timeout makes a second writer wait instead of failing. Switching to WAL writes the file, so a read-only
    /// connection (EF opens one to ask whether the database exists) skips it: on a file not yet in WAL mode, such as
    /// one a restore just put back (VACUUM INTO writes rollback-journal files), it would fail with "readonly database".
    /// A pooled connection keeps its max_page_count, so with a <see cref="SqliteSpace"/> every open sets it again.
    /// </summary>
    private sealed class SqlitePragmas(SqliteSpace? space = null) : DbConnectionInterceptor
    {
        public static readonly SqlitePragmas Instance = new();
        private const string Shared = "PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000; PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY; PRAGMA foreign_keys=ON;";

        private static string Sql(DbConnection connection) =>
            new SqliteConnectionStringBuilder(connection.ConnectionString).Mode == SqliteOpenMode.ReadOnly ? Shared : "PRAGMA journal_mode=WAL; " + Shared;

        private string Text(DbConnection connection) =>
            space is null ? Sql(connection) : $"{Sql(connection)} PRAGMA max_page_count={space.MaxPageCount ?? SqliteSpace.Unlimited};";

        public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
        {
            using var cmd = connection.CreateCommand();
            cmd.CommandText = Text(connection);
            cmd.ExecuteNonQuery();
        }

        public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            await using var cmd = connection.CreateCommand();
            cmd.CommandText = Text(connection);
            await cmd.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
