using System.Globalization;
using System.Text;
using Kith.Core.Importing;

namespace Kith.Core.Tests.Importing;

/// <summary>Bulk inserts write times by hand; they must be the very text Microsoft.Data.Sqlite writes, or EF's comparisons in SQL go wrong.</summary>
public sealed class SqliteStatementTests
{
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
