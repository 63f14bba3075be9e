using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Kith.Core.Infrastructure;

/// <summary>
/// A statement prepared through SQLitePCL and stepped, bound and read by direct calls into the same e_sqlite3 on
/// the raw pointer (ADR-0029, ADR-0031): SQLitePCL's calls take a SafeHandle each (a reference count taken and
/// released) and a full managed-to-native transition; at tens of millions of calls that costs more than SQLite's own
/// work. The column reads and binds of integers are short and never block, so they skip the GC transition too. The
/// statement handle is kept alive, and used on one thread, for its whole life. Used by the cohort count, the rollup
/// build and the behaviour analysis.
/// </summary>
internal sealed class RawStatement : IDisposable
{
    private static readonly IntPtr s_transient = new(-1);

    /// <summary>The direct calls go to e_sqlite3: false when Microsoft.Data.Sqlite runs over another SQLite build.</summary>
    public static bool Available => raw.GetNativeLibraryName() == RawNative.Library;
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _stmt;
    private readonly IntPtr _ptr;

    public RawStatement(sqlite3 db, string sql)
    {
        _db = db;
        SqliteException.ThrowExceptionForRC(raw.sqlite3_prepare_v2(db, sql, out _stmt), db);
        _ptr = _stmt.DangerousGetHandle();
    }

    public bool Step()
    {
        var rc = RawNative.sqlite3_step(_ptr);
        if (rc == raw.SQLITE_ROW) return true;
        if (rc != raw.SQLITE_DONE) SqliteException.ThrowExceptionForRC(rc, _db);
        return false;
    }

    public void StepDone()
    {
        if (Step()) throw new InvalidOperationException("An insert returned a row.");
    }

    public void Reset() => RawNative.sqlite3_reset(_ptr);

    public void BindLong(int index, long value) => Check(RawNative.sqlite3_bind_int64(_ptr, index, value));

    public void BindNull(int index) => Check(raw.sqlite3_bind_null(_stmt, index));

    public void BindText(int index, byte[] utf8) => BindText(index, utf8, utf8.Length);

    public void BindText(int index, string value) => Check(raw.sqlite3_bind_text16(_stmt, index, value));

    public void BindText(int index, byte[] utf8, int length) => Check(RawNative.sqlite3_bind_text(_ptr, index, utf8, length, s_transient));

    public long Long(int column) => RawNative.sqlite3_column_int64(_ptr, column);

    public bool IsNull(int column) => RawNative.sqlite3_column_type(_ptr, column) == raw.SQLITE_NULL;

    public bool IsInteger(int column) => RawNative.sqlite3_column_type(_ptr, column) == raw.SQLITE_INTEGER;

    /// <summary>Copies the column's UTF-8 text into <paramref name="into"/> (cut at its length) and returns its length.</summary>
    public int Text(int column, byte[] into)
    {
        var text = RawNative.sqlite3_column_text(_ptr, column);
        var length = Math.Min(RawNative.sqlite3_column_bytes(_ptr, column), into.Length);
        if (text != IntPtr.Zero) Marshal.Copy(text, into, 0, length);
        return text == IntPtr.Zero ? 0 : length;
    }

    /// <summary>The column's UTF-8 text in SQLite's memory (valid until the next step), or zero for NULL.</summary>
    public IntPtr TextPointer(int column, out int length)
    {
        var text = RawNative.sqlite3_column_text(_ptr, column);
        length = text == IntPtr.Zero ? 0 : RawNative.sqlite3_column_bytes(_ptr, column);
        return text;
    }

    /// <summary>The column as a string, or null.</summary>
    public string? String(int column)
    {
        var text = RawNative.sqlite3_column_text(_ptr, column);
        return text == IntPtr.Zero ? null : Marshal.PtrToStringUTF8(text, RawNative.sqlite3_column_bytes(_ptr, column));
    }

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK) SqliteException.ThrowExceptionForRC(rc, _db);
    }

    public void Dispose()
    {
        GC.KeepAlive(_stmt);
        _stmt.Dispose();
    }
}

internal static class RawNative
{
    public const string Library = "e_sqlite3";

    [DllImport(Library)]
    public static extern int sqlite3_step(IntPtr stmt);

    [DllImport(Library)]
    public static extern int sqlite3_reset(IntPtr stmt);

    [DllImport(Library), SuppressGCTransition]
    public static extern int sqlite3_bind_int64(IntPtr stmt, int index, long value);

    [DllImport(Library)]
    public static extern int sqlite3_bind_text(IntPtr stmt, int index, byte[] utf8, int length, IntPtr destructor);

    /// <summary>Text SQLite reads in place when <paramref name="destructor"/> is zero (SQLITE_STATIC): it must stay put until the next step.</summary>
    [DllImport(Library)]
    public static extern int sqlite3_bind_text(IntPtr stmt, int index, IntPtr utf8, int length, IntPtr destructor);

    [DllImport(Library), SuppressGCTransition]
    public static extern long sqlite3_column_int64(IntPtr stmt, int column);

    [DllImport(Library), SuppressGCTransition]
    public static extern int sqlite3_column_type(IntPtr stmt, int column);

    [DllImport(Library), SuppressGCTransition]
    public static extern IntPtr sqlite3_column_text(IntPtr stmt, int column);

    [DllImport(Library), SuppressGCTransition]
    public static extern int sqlite3_column_bytes(IntPtr stmt, int column);
}
