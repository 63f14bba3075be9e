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
            services.AddDbContextFactory<SqliteKithDb>(o => ConfigureSqlite(o, options.ConnectionString, SensitiveFields.FieldKeyRing.PathFor(options)));
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
            ConfigureSqlite(b, options.ConnectionString, SensitiveFields.FieldKeyRing.PathFor(options));
            return new SqliteKithDb(b.Options);
        }
        var p = new DbContextOptionsBuilder<PostgresKithDb>();
        ConfigurePostgres(p, options.ConnectionString, SensitiveFields.FieldKeyRing.PathFor(options));
        return new PostgresKithDb(p.Options);
    }

    /// <param name="fieldKeys">The field key file (ADR-0017); with it, customers' sensitive values are sealed and opened on the way.</param>
    internal static void ConfigureSqlite(DbContextOptionsBuilder builder, string connectionString, string? fieldKeys = null)
    {
        var csb = new SqliteConnectionStringBuilder(connectionString) { DefaultTimeout = 30, Pooling = true };
        builder.UseSqlite(csb.ConnectionString, o => o.MigrationsHistoryTable("__migrations"))
            .AddInterceptors(SqlitePragmas.Instance);
        if (fieldKeys is not null) SensitiveFields.FieldKeysOption.Add(builder, fieldKeys);
    }

    internal static void ConfigurePostgres(DbContextOptionsBuilder builder, string connectionString, string? fieldKeys = null)
    {
        builder.UseNpgsql(connectionString, o => o.MigrationsHistoryTable("__migrations"));
        if (fieldKeys is not null) SensitiveFields.FieldKeysOption.Add(builder, fieldKeys);
    }

    /// <summary>
    /// WAL lets readers run beside the one writer; NORMAL sync is durable across application crashes in WAL mode;
    /// busy_timeout makes a second writer wait instead of failing.
    /// </summary>
    private sealed class SqlitePragmas : DbConnectionInterceptor
    {
        public static readonly SqlitePragmas Instance = new();
        private const string Sql = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000; PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY; PRAGMA foreign_keys=ON;";

        public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
        {
            using var cmd = connection.CreateCommand();
            cmd.CommandText = Sql;
            cmd.ExecuteNonQuery();
        }

        public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            await using var cmd = connection.CreateCommand();
            cmd.CommandText = Sql;
            await cmd.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
