namespace Kith.Core.Infrastructure;

public enum DatabaseProvider { Sqlite, Postgres }

/// <summary>Where Kith keeps its data: a SQLite file under the data folder by default, or a PostgreSQL server.</summary>
public sealed record DatabaseOptions(DatabaseProvider Provider, string ConnectionString, string DataDirectory)
{
    public const string SqliteFileName = "kith.db";
    public const string MaxPageCountVariable = "KITH_SQLITE_MAX_PAGE_COUNT";

    /// <summary>A cap on the SQLite file (<see cref="SqliteSpace"/>); from KITH_SQLITE_MAX_PAGE_COUNT, for operators and fault tests.</summary>
    public SqliteSpace? Space { get; init; }

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
        var pages = Environment.GetEnvironmentVariable(MaxPageCountVariable);
        return new DatabaseOptions(parsed, connection, data)
        {
            Space = long.TryParse(pages, out var n) && n > 0 ? new SqliteSpace { MaxPageCount = n } : null,
        };
    }
}

/// <summary>
/// How many pages the SQLite file may grow to (PRAGMA max_page_count, set on every connection as it opens, so a change
/// holds from the next request on). A write past it fails as a full disk would: answered 507, while reads go on.
/// Operators can cap a database on a shared disk with it; the fault tests use it to fill a database on purpose.
/// </summary>
public sealed class SqliteSpace
{
    /// <summary>SQLite's own ceiling, which it clamps any larger value to.</summary>
    public const long Unlimited = 4_294_967_294;

    /// <summary>The cap in pages (4,096 bytes each by default); null for none.</summary>
    public long? MaxPageCount { get; set; }
}
