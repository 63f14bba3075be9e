using System.Globalization;
using System.Text;
using Kith.Core.Importing;
using Microsoft.Data.Sqlite;

namespace Kith.Core.Tests.Importing;

/// <summary>
/// Bulk inserts bind values through SQLitePCL's raw API; what they store must be byte for byte what
/// Microsoft.Data.Sqlite (and so EF) stores for the same value, or EF reads back something else.
/// </summary>
public sealed class SqliteStatementTests
{
    public static TheoryData<object> Values() =>
    [
        "plain", "王小明", "Ünïcödé 😀 text", "a\nb\t\"quoted\"", new string('x', 3000), new string('明', 700),
        new DateTime(2024, 3, 5, 14, 7, 9, DateTimeKind.Utc), new DateTime(2024, 3, 5, 0, 0, 0, DateTimeKind.Utc),
        new DateTime(1, 1, 1), new DateTime(9999, 12, 31, 23, 59, 59).AddTicks(9_999_999),
        new DateTime(2024, 3, 5, 14, 7, 9, 120, DateTimeKind.Utc), new DateTime(2024, 3, 5).AddTicks(1), new DateTime(2024, 3, 5).AddTicks(1_000_000),
        new DateOnly(2024, 2, 29), new DateOnly(1, 1, 1), new DateOnly(987, 6, 5),
        42L, -7, 3.25, true, 12.50m, -0.001m,
    ];

    [Theory]
    [MemberData(nameof(Values))]
    public void AValueIsStoredAsMicrosoftDataSqliteStoresIt(object value)
    {
        var (ado, statement) = StoredBothWays(new SqliteParameter("$v", value), value, "hex(v)");
        Assert.Equal(ado, statement);
    }

    /// <summary>
    /// The stored type and <paramref name="shown"/> of a value inserted once through Microsoft.Data.Sqlite with
    /// <paramref name="parameter"/> and once through <see cref="SqliteStatement"/> binding <paramref name="value"/>.
    /// </summary>
    private static ((string, string) Ado, (string, string) Statement) StoredBothWays(SqliteParameter parameter, object value, string shown)
    {
        using var conn = Table();
        using (var insert = conn.CreateCommand())
        {
            insert.CommandText = "INSERT INTO t VALUES (1, $v)";
            insert.Parameters.Add(parameter);
            insert.ExecuteNonQuery();
        }
        using (var statement = new SqliteStatement(conn, "INSERT INTO t VALUES (2, ?)"))
        {
            statement.Bind(1, value);
            Assert.Equal(1, statement.Execute());
        }
        using var read = conn.CreateCommand();
        read.CommandText = $"SELECT typeof(v), {shown} FROM t ORDER BY k";
        using var r = read.ExecuteReader();
        Assert.True(r.Read());
        var ado = (r.GetString(0), r.GetString(1));
        Assert.True(r.Read());
        return (ado, (r.GetString(0), r.GetString(1)));
    }

    /// <summary>An in-memory database with one table t (k INTEGER, v) of any type.</summary>
    private static SqliteConnection Table()
    {
        var conn = new SqliteConnection("Data Source=:memory:");
        conn.Open();
        using var create = conn.CreateCommand();
        create.CommandText = "CREATE TABLE t (k INTEGER, v)";
        create.ExecuteNonQuery();
        return conn;
    }

    [Fact]
    public void AGuidIsStoredAsEfStoresItOnSqlite()
    {
        var guid = Guid.Parse("0aae31f6-b7ba-46a6-b9f5-fe89dbe7177f");
        // EF Core's SQLite mapping of Guid binds it as TEXT.
        var (ado, statement) = StoredBothWays(new SqliteParameter("$v", SqliteType.Text) { Value = guid }, guid, "v");
        Assert.Equal(("text", "0AAE31F6-B7BA-46A6-B9F5-FE89DBE7177F"), ado);
        Assert.Equal(ado, statement);
    }

    [Fact]
    public void ATimeIsWrittenAsMicrosoftDataSqliteWritesItWithOrWithoutFractionsOfASecond()
    {
        var random = new Random(27);
        var times = new List<DateTime>
        {
            DateTime.MinValue, DateTime.MaxValue, new(2024, 2, 3, 10, 0, 0, DateTimeKind.Utc), new DateTime(2024, 2, 3, 10, 0, 0, DateTimeKind.Utc).AddTicks(1_234_560),
            new DateTime(1999, 12, 31, 23, 59, 59, DateTimeKind.Utc).AddTicks(1), new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddTicks(5_000_000),
        };
        for (var i = 0; i < 10_000; i++) times.Add(new DateTime(random.NextInt64(DateTime.MaxValue.Ticks), DateTimeKind.Utc));
        for (var i = 0; i < 1_000; i++) times.Add(new DateTime(random.NextInt64(DateTime.MaxValue.Ticks) / TimeSpan.TicksPerSecond * TimeSpan.TicksPerSecond, DateTimeKind.Utc));
        Span<byte> text = stackalloc byte[27];
        foreach (var t in times)
        {
            var n = SqliteStatement.FormatDateTime(t, text);
            Assert.Equal(t.ToString(@"yyyy\-MM\-dd HH\:mm\:ss.FFFFFFF", CultureInfo.InvariantCulture), Encoding.UTF8.GetString(text[..n]));
        }
    }
}
