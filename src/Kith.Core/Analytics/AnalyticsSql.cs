using System.Data.Common;
using System.Globalization;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Kith.Core.Analytics;

/// <summary>
/// The SQL the analyses share: the pieces that differ between SQLite and PostgreSQL (date parts, in UTC), the reach
/// predicate that keeps an agent's analysis to the customers they can reach, and a reader. Analyses are written as
/// set-based SQL so that GROUP BY runs in the database over millions of rows; only the grouped result comes back.
/// </summary>
internal sealed class AnalyticsSql(KithDb db)
{
    /// <summary>The whole business, for results computed once for everyone and cut to each caller's reach afterwards.</summary>
    public static readonly AccessScope Everyone = new()
    {
        UserId = 0, Role = Role.Admin, Policy = RolePolicies.Defaults.First(p => p.Role == Role.Admin), OwnerIds = null,
    };

    public bool IsPostgres => db.Provider == DatabaseProvider.Postgres;

    /// <summary>
    /// Live customers the scope reaches: not deleted, not the tombstone of a merge (its activity moved to the
    /// survivor), owned by someone in reach. Owner ids are numbers, so writing them into the SQL is safe.
    /// </summary>
    public static string Reach(AccessScope scope, string alias = "c")
    {
        var sql = $"{alias}.deleted_at IS NULL AND {alias}.merged_into_id IS NULL";
        if (scope.OwnerIds is { } owners)
            sql += owners.Count == 0 ? " AND 1 = 0" : $" AND {alias}.owner_id IN ({string.Join(",", owners.Order().Select(o => o.ToString(CultureInfo.InvariantCulture)))})";
        return sql;
    }

    /// <summary>"column IN (customers in reach)": one semi-join instead of a join per row.</summary>
    public static string InReach(AccessScope scope, string customerColumn) =>
        $"{customerColumn} IN (SELECT c.id FROM customers c WHERE {Reach(scope)})";

    /// <summary>A timestamp column as UTC wall-clock time, which the other date functions take apart.</summary>
    public string Utc(string column) => IsPostgres ? $"({column} AT TIME ZONE 'UTC')" : column;

    /// <summary>Months since year 0 of a UTC time or a date: month differences become integer subtraction.</summary>
    public string MonthIndex(string utcOrDate) => IsPostgres
        ? $"(CAST(EXTRACT(YEAR FROM {utcOrDate}) AS INTEGER) * 12 + CAST(EXTRACT(MONTH FROM {utcOrDate}) AS INTEGER) - 1)"
        : $"(CAST(substr({utcOrDate}, 1, 4) AS INTEGER) * 12 + CAST(substr({utcOrDate}, 6, 2) AS INTEGER) - 1)";

    /// <summary>The first day (yyyy-MM-dd) of the day, ISO week (Monday) or month a UTC time or date falls in.</summary>
    public string BucketStart(string utcOrDate, TimeInterval interval) => (IsPostgres, interval) switch
    {
        (true, TimeInterval.Day) => $"to_char({utcOrDate}, 'YYYY-MM-DD')",
        (true, TimeInterval.Week) => $"to_char(date_trunc('week', {utcOrDate}), 'YYYY-MM-DD')",
        (true, _) => $"to_char({utcOrDate}, 'YYYY-MM-01')",
        (false, TimeInterval.Day) => $"substr({utcOrDate}, 1, 10)",
        // 'weekday 0' moves forward to the Sunday ending the ISO week (or stays on it), six days back is its Monday.
        (false, TimeInterval.Week) => $"date({utcOrDate}, 'weekday 0', '-6 days')",
        (false, _) => $"(substr({utcOrDate}, 1, 7) || '-01')",
    };

    /// <summary>0 = Sunday … 6 = Saturday.</summary>
    public string Weekday(string utc) => IsPostgres
        ? $"CAST(EXTRACT(DOW FROM {utc}) AS INTEGER)"
        : $"CAST(strftime('%w', {utc}) AS INTEGER)";

    public string Hour(string utc) => IsPostgres
        ? $"CAST(EXTRACT(HOUR FROM {utc}) AS INTEGER)"
        : $"CAST(substr({utc}, 12, 2) AS INTEGER)";

    /// <summary>Whole days from <paramref name="earlier"/> (a timestamp column or aggregate) to the parameter <paramref name="laterParameter"/>.</summary>
    public string DaysBetween(string earlier, string laterParameter) => IsPostgres
        ? $"CAST(FLOOR(EXTRACT(EPOCH FROM ({laterParameter} - {earlier})) / 86400) AS INTEGER)"
        : $"CAST(julianday({laterParameter}) - julianday({earlier}) AS INTEGER)";

    /// <summary>A timestamp plus whole days, comparable with stored timestamps.</summary>
    public string PlusDays(string timestamp, int days) => IsPostgres
        ? $"({timestamp} + INTERVAL '{days.ToString(CultureInfo.InvariantCulture)} days')"
        : $"strftime('%Y-%m-%d %H:%M:%f', {timestamp}, '+{days.ToString(CultureInfo.InvariantCulture)} days')";

    /// <summary>A date column as a UTC date (SQLite keeps dates as yyyy-MM-dd text, which the date functions read as is).</summary>
    public string DateOf(string timestampColumn) => IsPostgres ? $"CAST({timestampColumn} AT TIME ZONE 'UTC' AS DATE)" : $"substr({timestampColumn}, 1, 10)";

    public async Task<List<T>> ReadAsync<T>(string sql, IReadOnlyDictionary<string, object?> parameters, Func<DbDataReader, T> row, CancellationToken ct)
    {
        var connection = db.Database.GetDbConnection();
        var opened = connection.State != System.Data.ConnectionState.Open;
        if (opened) await db.Database.OpenConnectionAsync(ct);
        try
        {
            await using var command = Command(connection, sql, parameters);
            using var interrupt = Interruptible(connection, ct);
            try
            {
                await using var reader = await command.ExecuteReaderAsync(ct);
                var rows = new List<T>();
                while (await reader.ReadAsync(ct)) rows.Add(row(reader));
                return rows;
            }
            catch (Microsoft.Data.Sqlite.SqliteException e) when (e.SqliteErrorCode == SQLitePCL.raw.SQLITE_INTERRUPT)
            {
                throw new OperationCanceledException(ct);
            }
            catch (Exception e) when (IsOverflow(e))
            {
                throw TooLarge();
            }
        }
        finally
        {
            if (opened) await db.Database.CloseConnectionAsync();
        }
    }

    public async Task<long> ExecuteAsync(DbCommand command, CancellationToken ct)
    {
        using var interrupt = Interruptible(command.Connection!, ct);
        try
        {
            return await command.ExecuteNonQueryAsync(ct);
        }
        catch (Microsoft.Data.Sqlite.SqliteException e) when (e.SqliteErrorCode == SQLitePCL.raw.SQLITE_INTERRUPT)
        {
            throw new OperationCanceledException(ct);
        }
    }

    /// <summary>
    /// Npgsql cancels a running statement when the token fires; Microsoft.Data.Sqlite only checks the token between
    /// rows, so a long GROUP BY would run to its end. Interrupting the connection stops it where it is.
    /// </summary>
    private static CancellationTokenRegistration Interruptible(DbConnection connection, CancellationToken ct) =>
        connection is Microsoft.Data.Sqlite.SqliteConnection { Handle: { } handle }
            ? ct.Register(() => SQLitePCL.raw.sqlite3_interrupt(handle))
            : default;

    public DbCommand Command(DbConnection connection, string sql, IReadOnlyDictionary<string, object?> parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.CommandTimeout = 600;
        if (db.Database.CurrentTransaction is { } tx) command.Transaction = tx.GetDbTransaction();
        foreach (var (name, value) in parameters)
        {
            var p = command.CreateParameter();
            p.ParameterName = name;
            p.Value = value ?? DBNull.Value;
            command.Parameters.Add(p);
        }
        return command;
    }

    /// <summary>
    /// Whether a read failed because amounts added up past a 64-bit integer of micros (about 9.22 trillion): SQLite's SUM
    /// raises "integer overflow", PostgreSQL "out of range" (22003), and a numeric sum too large for a long fails to convert.
    /// </summary>
    public static bool IsOverflow(Exception e) => e is OverflowException
        || (e is Microsoft.Data.Sqlite.SqliteException s && s.Message.Contains("integer overflow", StringComparison.Ordinal))
        || (e is Npgsql.PostgresException p && p.SqlState == "22003")
        || (e.InnerException is { } inner && IsOverflow(inner));

    /// <summary>The clear answer to an analysis whose amounts add up past what Kith counts: 422, never a wrong number or a 500.</summary>
    public static RuleViolation TooLarge()
    {
        const string message = "The amounts in this analysis add up to more than 9,223,372,036,854.78, the most Kith can add up; pick a shorter period or fewer customers.";
        return new RuleViolation(message, new Dictionary<string, string[]> { ["amounts"] = [message] }, 422);
    }

    /// <summary>Runs an EF read of an analysis, answering <see cref="TooLarge"/> when its amounts overflow.</summary>
    public static async Task<T> GuardAsync<T>(Task<T> read)
    {
        try { return await read; }
        catch (Exception e) when (IsOverflow(e)) { throw TooLarge(); }
    }

    public static long Long(DbDataReader r, int i) => r.IsDBNull(i) ? 0 : Convert.ToInt64(r.GetValue(i), CultureInfo.InvariantCulture);

    public static string Text(DbDataReader r, int i) => r.IsDBNull(i) ? "" : Convert.ToString(r.GetValue(i), CultureInfo.InvariantCulture) ?? "";
}

/// <summary>The scope of the whole business, for commands that run without a signed-in user (`kith analyze …`).</summary>
public static class WholeBusiness
{
    public static AccessScope Scope => AnalyticsSql.Everyone;
}
