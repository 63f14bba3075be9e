using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Kith.Core.Infrastructure;
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
    private const string DecimalFormat = "0.0###########################";
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _stmt;
    private readonly IntPtr _handle;

    /// <summary>
    /// The UTF-8 text of the values bound for the next execution, which SQLite reads in place: bound through SQLitePCL,
    /// SQLite copies every text value into memory of its own (a malloc under its memory mutex), which cost as much
    /// as stepping the statement (ADR-0030). Pinned, so the addresses handed to SQLite stay valid until the step; a
    /// value that does not fit goes the copying way.
    /// </summary>
    private readonly byte[] _text = GC.AllocateArray<byte>(64 * 1024, pinned: true);
    private readonly IntPtr _textAddress;
    private int _textUsed;

    public SqliteStatement(SqliteConnection connection, string sql)
    {
        _db = connection.Handle ?? throw new InvalidOperationException("The connection is not open.");
        var rc = raw.sqlite3_prepare_v2(_db, sql, out _stmt);
        SqliteException.ThrowExceptionForRC(rc, _db);
        _handle = _stmt.DangerousGetHandle();
        _textAddress = Marshal.UnsafeAddrOfPinnedArrayElement(_text, 0);
    }

    /// <summary>Binds the <paramref name="length"/> bytes just written at the free end of the text buffer.</summary>
    private void BindWritten(int index, int length)
    {
        Check(RawNative.sqlite3_bind_text(_handle, index, _textAddress + _textUsed, length, IntPtr.Zero));
        _textUsed += length;
    }

    private Span<byte> FreeText => _text.AsSpan(_textUsed);

    /// <summary>
    /// Room for <paramref name="bytes"/> more in the text buffer, which is only used when SQLitePCL runs over the
    /// e_sqlite3 that the direct call reaches (<see cref="RawStatement.Available"/>); otherwise text goes the copying way.
    /// </summary>
    private bool Fits(int bytes) => s_inPlace && bytes <= _text.Length - _textUsed;

    private static readonly bool s_inPlace = RawStatement.Available;

    /// <summary>Whether values of this type (after the EF value converter) bind here as EF stores them through Microsoft.Data.Sqlite.</summary>
    public static bool Binds(Type t) =>
        t == typeof(string) || t == typeof(long) || t == typeof(int) || t == typeof(short) || t == typeof(byte) || t == typeof(bool)
        || t == typeof(double) || t == typeof(float) || t == typeof(DateTime) || t == typeof(DateOnly) || t == typeof(decimal) || t == typeof(Guid);

    /// <summary>Binds the 1-based parameter <paramref name="index"/>.</summary>
    public void Bind(int index, object? value)
    {
        switch (value)
        {
            case null: BindNull(index); break;
            case string s: Bind(index, s); break;
            case long l: Bind(index, l); break;
            case int i: Bind(index, i); break;
            case short s: Bind(index, s); break;
            case byte b: Bind(index, b); break;
            case bool b: Bind(index, b); break;
            case double d: Bind(index, d); break;
            case float f: Bind(index, f); break;
            case DateTime t: Bind(index, t); break;
            case DateOnly d: Bind(index, d); break;
            case decimal m: Bind(index, m); break;
            case Guid g: Bind(index, g); break;
            default: throw new NotSupportedException($"No SQLite binding for {value.GetType()}.");
        }
    }

    // Typed binds, for callers that know a column's type: no boxing and no type test per value (ADR-0030).
    public void BindNull(int index) => Check(raw.sqlite3_bind_null(_stmt, index));
    public void Bind(int index, long value) => Check(raw.sqlite3_bind_int64(_stmt, index, value));
    public void Bind(int index, bool value) => Check(raw.sqlite3_bind_int64(_stmt, index, value ? 1 : 0));
    public void Bind(int index, double value) => Check(raw.sqlite3_bind_double(_stmt, index, value));
    public void Bind(int index, decimal value) => Check(raw.sqlite3_bind_text16(_stmt, index, value.ToString(DecimalFormat, CultureInfo.InvariantCulture)));

    /// <summary>
    /// Text goes to SQLite as UTF-8, the database's encoding: bound as UTF-16, SQLite converts every value itself
    /// (ADR-0028).
    /// </summary>
    public void Bind(int index, string value)
    {
        // An empty span reaches SQLite as a null pointer, which binds NULL: the empty string goes as UTF-8 "".
        if (value.Length == 0)
        {
            Check(raw.sqlite3_bind_text(_stmt, index, ""));
            return;
        }
        var most = Encoding.UTF8.GetMaxByteCount(value.Length);
        if (Fits(most))
        {
            BindWritten(index, Encoding.UTF8.GetBytes(value, FreeText));
            return;
        }
        if (most > 1024)
        {
            Check(raw.sqlite3_bind_text16(_stmt, index, value));
            return;
        }
        Span<byte> bytes = stackalloc byte[most];
        Check(raw.sqlite3_bind_text(_stmt, index, bytes[..Encoding.UTF8.GetBytes(value, bytes)]));
    }

    /// <summary>A time as Microsoft.Data.Sqlite writes it (yyyy-MM-dd HH:mm:ss.FFFFFFF), written here digit by digit.</summary>
    public void Bind(int index, DateTime value)
    {
        if (Fits(27))
        {
            BindWritten(index, FormatDateTime(value, FreeText));
            return;
        }
        Span<byte> text = stackalloc byte[27];
        Check(raw.sqlite3_bind_text(_stmt, index, text[..FormatDateTime(value, text)]));
    }

    /// <summary>A GUID as EF Core stores it on SQLite: its 36 characters, in capitals.</summary>
    public void Bind(int index, Guid value)
    {
        Span<byte> text = Fits(36) ? FreeText[..36] : stackalloc byte[36];
        value.TryFormat(text, out _);
        for (var i = 0; i < 36; i++)
            if (text[i] is >= (byte)'a' and <= (byte)'f') text[i] -= 'a' - 'A';
        if (Fits(36)) BindWritten(index, 36);
        else Check(raw.sqlite3_bind_text(_stmt, index, text));
    }

    public void Bind(int index, DateOnly value)
    {
        Span<byte> text = stackalloc byte[10];
        Check(raw.sqlite3_bind_text(_stmt, index, text[..WriteDate(text, value.Year, value.Month, value.Day)]));
    }

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK) SqliteException.ThrowExceptionForRC(rc, _db);
    }

    /// <summary>
    /// Writes <paramref name="t"/> as UTF-8 in the form <see cref="DateTimeFormat"/> gives (yyyy-MM-dd HH:mm:ss, then
    /// the fraction of a second without its trailing zeros, and no point when there is none), and answers its length.
    /// By hand: a custom format string is parsed again on every call, which was most of the cost of binding an event.
    /// </summary>
    internal static int FormatDateTime(DateTime t, Span<byte> text)
    {
        var n = WriteDate(text, t.Year, t.Month, t.Day);
        text[n++] = (byte)' ';
        n += Digits(text[n..], t.Hour, 2);
        text[n++] = (byte)':';
        n += Digits(text[n..], t.Minute, 2);
        text[n++] = (byte)':';
        n += Digits(text[n..], t.Second, 2);
        // F: the fraction's trailing zeros are left out, and the point too when nothing is left.
        var fraction = (int)(t.Ticks % TimeSpan.TicksPerSecond);
        if (fraction != 0)
        {
            var width = 7;
            while (fraction % 10 == 0) { fraction /= 10; width--; }
            text[n++] = (byte)'.';
            n += Digits(text[n..], fraction, width);
        }
        return n;
    }

    private static int WriteDate(Span<byte> text, int year, int month, int day)
    {
        var n = Digits(text, year, 4);
        text[n++] = (byte)'-';
        n += Digits(text[n..], month, 2);
        text[n++] = (byte)'-';
        return n + Digits(text[n..], day, 2);
    }

    /// <summary>Writes <paramref name="value"/> as exactly <paramref name="width"/> decimal digits, zero-padded.</summary>
    private static int Digits(Span<byte> text, int value, int width)
    {
        for (var i = width - 1; i >= 0; i--)
        {
            text[i] = (byte)('0' + value % 10);
            value /= 10;
        }
        return width;
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
            // The values are read; the next execution binds all of them again.
            _textUsed = 0;
        }
    }

    public void Dispose() => _stmt.Dispose();
}
