using System.Globalization;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Kith.Core.Importing;

/// <summary>
/// One prepared SQLite statement driven through SQLitePCL's raw API on the connection's own handle (so inside its
/// open transaction), binding values by position. Microsoft.Data.Sqlite looks every parameter up by name and wraps
/// each execution in a data reader; at a million rows that was as much time as SQLite's own insert (ADR-0021).
/// Values are written exactly as Microsoft.Data.Sqlite writes them, so EF reads back what it would have stored.
/// </summary>
internal sealed class SqliteStatement : IDisposable
{
    private const string DateTimeFormat = @"yyyy\-MM\-dd HH\:mm\:ss.FFFFFFF";
    private const string DecimalFormat = "0.0###########################";
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _stmt;

    public SqliteStatement(SqliteConnection connection, string sql)
    {
        _db = connection.Handle ?? throw new InvalidOperationException("The connection is not open.");
        var rc = raw.sqlite3_prepare_v2(_db, sql, out _stmt);
        SqliteException.ThrowExceptionForRC(rc, _db);
    }

    /// <summary>Whether values of this type (after the EF value converter) bind here as Microsoft.Data.Sqlite binds them.</summary>
    public static bool Binds(Type t) =>
        t == typeof(string) || t == typeof(long) || t == typeof(int) || t == typeof(short) || t == typeof(byte) || t == typeof(bool)
        || t == typeof(double) || t == typeof(float) || t == typeof(DateTime) || t == typeof(DateOnly) || t == typeof(decimal);

    /// <summary>Binds the 1-based parameter <paramref name="index"/>.</summary>
    public void Bind(int index, object? value)
    {
        var rc = value switch
        {
            null => raw.sqlite3_bind_null(_stmt, index),
            // An empty span reaches SQLite as a null pointer, which binds NULL: the empty string goes as UTF-8 "".
            string { Length: 0 } => raw.sqlite3_bind_text(_stmt, index, ""),
            string s => raw.sqlite3_bind_text16(_stmt, index, s),
            long l => raw.sqlite3_bind_int64(_stmt, index, l),
            int i => raw.sqlite3_bind_int64(_stmt, index, i),
            short s => raw.sqlite3_bind_int64(_stmt, index, s),
            byte b => raw.sqlite3_bind_int64(_stmt, index, b),
            bool b => raw.sqlite3_bind_int64(_stmt, index, b ? 1 : 0),
            double d => raw.sqlite3_bind_double(_stmt, index, d),
            float f => raw.sqlite3_bind_double(_stmt, index, f),
            DateTime t => BindDateTime(index, t),
            DateOnly d => raw.sqlite3_bind_text16(_stmt, index, d.ToString(@"yyyy\-MM\-dd", CultureInfo.InvariantCulture)),
            decimal m => raw.sqlite3_bind_text16(_stmt, index, m.ToString(DecimalFormat, CultureInfo.InvariantCulture)),
            _ => throw new NotSupportedException($"No SQLite binding for {value.GetType()}."),
        };
        SqliteException.ThrowExceptionForRC(rc, _db);
    }

    private int BindDateTime(int index, DateTime t)
    {
        Span<byte> text = stackalloc byte[27];
        return raw.sqlite3_bind_text(_stmt, index, text[..FormatDateTime(t, text)]);
    }

    /// <summary>
    /// Writes <paramref name="t"/> as UTF-8 in the form <see cref="DateTimeFormat"/> gives (yyyy-MM-dd HH:mm:ss, then
    /// the fraction of a second without its trailing zeros, and no point when there is none), and answers its length.
    /// By hand: a custom format string is parsed again on every call, which was most of the cost of binding an event.
    /// </summary>
    internal static int FormatDateTime(DateTime t, Span<byte> into)
    {
        Digits(into[..4], t.Year);
        into[4] = (byte)'-';
        Digits(into.Slice(5, 2), t.Month);
        into[7] = (byte)'-';
        Digits(into.Slice(8, 2), t.Day);
        into[10] = (byte)' ';
        Digits(into.Slice(11, 2), t.Hour);
        into[13] = (byte)':';
        Digits(into.Slice(14, 2), t.Minute);
        into[16] = (byte)':';
        Digits(into.Slice(17, 2), t.Second);
        var fraction = (int)(t.Ticks % TimeSpan.TicksPerSecond);
        if (fraction == 0) return 19;
        into[19] = (byte)'.';
        Digits(into.Slice(20, 7), fraction);
        var end = 27;
        while (into[end - 1] == (byte)'0') end--;
        return end;

        static void Digits(Span<byte> to, int value)
        {
            for (var i = to.Length - 1; i >= 0; i--, value /= 10) to[i] = (byte)('0' + value % 10);
        }
    }

    /// <summary>Runs the statement to its end and readies it for the next values; answers the rows it changed.</summary>
    public int Execute()
    {
        int rc;
        while ((rc = raw.sqlite3_step(_stmt)) == raw.SQLITE_ROW) { }
        try
        {
            if (rc != raw.SQLITE_DONE) SqliteException.ThrowExceptionForRC(rc, _db);
            return raw.sqlite3_changes(_db);
        }
        finally
        {
            raw.sqlite3_reset(_stmt);
        }
    }

    public void Dispose() => _stmt.Dispose();
}
