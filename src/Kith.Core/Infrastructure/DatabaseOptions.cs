namespace Kith.Core.Infrastructure;

public enum DatabaseProvider { Sqlite, Postgres }

/// <summary>Where Kith keeps its data: a SQLite file under the data folder by default, or a PostgreSQL server.</summary>
public sealed record DatabaseOptions(DatabaseProvider Provider, string ConnectionString, string DataDirectory)
{
    public const string SqliteFileName = "kith.db";

    /// <summary>
    /// Resolves options the way every subcommand does: explicit values first, then KITH_PROVIDER and KITH_DATABASE,
    /// then a SQLite file under the data folder (./data unless --data says otherwise).
    /// </summary>
    public static DatabaseOptions Resolve(string? dataDirectory, string? provider, string? connectionString)
    {
        var data = Path.GetFullPath(dataDirectory ?? Environment.GetEnvironmentVariable("KITH_DATA") ?? "data");
        var providerText = provider ?? Environment.GetEnvironmentVariable("KITH_PROVIDER") ?? "sqlite";
        var parsed = providerText.Trim().ToLowerInvariant() switch
        {
            "sqlite" => DatabaseProvider.Sqlite,
            "postgres" or "postgresql" or "npgsql" => DatabaseProvider.Postgres,
            _ => throw new ArgumentException($"Unknown database provider '{providerText}': use sqlite or postgres."),
        };
        var connection = connectionString ?? Environment.GetEnvironmentVariable("KITH_DATABASE");
        if (parsed == DatabaseProvider.Postgres && string.IsNullOrWhiteSpace(connection))
            throw new ArgumentException("The postgres provider needs a connection string: pass --database or set KITH_DATABASE.");
        connection ??= $"Data Source={Path.Combine(data, SqliteFileName)}";
        return new DatabaseOptions(parsed, connection, data);
    }
}
