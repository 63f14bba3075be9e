using System.Globalization;
using MiniExcelLibs;
using MiniExcelLibs.OpenXml;
using static System.FormattableString;

namespace Kith.Core.Importing.Files;

/// <summary>
/// The first worksheet of a workbook, streamed by MiniExcel after <see cref="XlsxGuard"/> passed it. MiniExcel yields
/// every row from row 1 (empty ones too, with <see cref="OpenXmlConfiguration.IgnoreEmptyRows"/> off) and every column
/// from A, so a row's sheet number is its position and a cell's column is its key. Values become the invariant text a
/// person would type: numbers in their shortest round-trip form (34, not 34.0), dates as yyyy-MM-dd (with THH:mm:ss
/// when they have a time), booleans as true/false.
/// </summary>
internal sealed class XlsxRowSource(Stream stream, bool ownsStream, TabularOptions options) : IRowSource
{
    private readonly CoveredReadStream _bytes = new(stream);
    private readonly long _length = stream.Length;
    private bool _done;

    /// <summary>Bytes of the workbook read so far; all of it once the last row is read (MiniExcel skips the parts it
    /// does not need, such as images).</summary>
    public long Position => Volatile.Read(ref _done) ? _length : _bytes.Covered;

    public IEnumerable<TabularRow> Rows(Func<CancellationToken> ct)
    {
        var configuration = new OpenXmlConfiguration { IgnoreEmptyRows = false, FillMergedCells = false };
        IEnumerator<object>? rows = null;
        var line = 0;
        try
        {
            while (true)
            {
                ct().ThrowIfCancellationRequested();
                string[]? cells;
                try
                {
                    rows ??= MiniExcel.Query(_bytes, useHeaderRow: false, excelType: ExcelType.XLSX, configuration: configuration).GetEnumerator();
                    if (!rows.MoveNext())
                    {
                        Volatile.Write(ref _done, true);
                        break;
                    }
                    line++;
                    cells = Cells((IDictionary<string, object?>)rows.Current, line);
                }
                catch (Exception e) when (e is not (TabularFileException or OperationCanceledException or OutOfMemoryException))
                {
                    // MiniExcel meets damaged workbooks with whatever its code hits: XmlException, InvalidCastException,
                    // even NullReferenceException (a shared-string cell in a workbook without shared strings).
                    var after = line > 0 ? Invariant($"after row {line:N0}: ") : "";
                    throw new TabularFileException($"{after}the XLSX file is damaged and cannot be read ({e.Message})", line > 0 ? line : null, null, e);
                }
                if (cells is not null) yield return new TabularRow(line, cells);
            }
        }
        finally
        {
            rows?.Dispose();
        }
    }

    public void Dispose()
    {
        if (ownsStream) stream.Dispose();
    }

    /// <summary>The row's cells up to its last non-empty one, or null for a blank row.</summary>
    private string[]? Cells(IDictionary<string, object?> row, int line)
    {
        var width = 0;
        foreach (var (key, value) in row)
        {
            if (value is null || value is string s && string.IsNullOrWhiteSpace(s)) continue;
            var column = ColumnIndex(key);
            if (column < 0) throw new TabularFileException(Invariant($"row {line:N0}: an unexpected cell reference {key}"), line);
            width = Math.Max(width, column + 1);
        }
        if (width == 0) return null;
        if (width > options.MaxColumns)
        {
            throw new TabularFileException(
                Invariant($"row {line:N0}: the row has {width:N0} columns; at most {options.MaxColumns:N0} are allowed"), line, options.MaxColumns + 1);
        }
        var cells = new string[width];
        Array.Fill(cells, "");
        foreach (var (key, value) in row)
        {
            var column = ColumnIndex(key);
            if (column < 0 || column >= width || value is null) continue;
            var text = Text(value);
            if (text.Length > options.MaxFieldChars)
            {
                throw new TabularFileException(
                    Invariant($"row {line:N0}, column {column + 1}: a cell is longer than {options.MaxFieldChars:N0} characters"), line, column + 1);
            }
            cells[column] = text;
        }
        return cells;
    }

    internal static string Text(object value) => value switch
    {
        string s => s,
        double d => Number(d),
        float f => Number(f),
        bool b => b ? "true" : "false",
        DateTime t => Date(t),
        DateTimeOffset t => Date(t.DateTime),
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        TimeOnly t => t.ToString("HH:mm:ss", CultureInfo.InvariantCulture),
        TimeSpan t => t.ToString("c", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    // Excel stores every number as a double; "R" and the default both give the shortest text that reads back the same.
    private static string Number(double d) => d == 0 ? "0" : d.ToString(CultureInfo.InvariantCulture);

    private static string Date(DateTime t)
    {
        // A serial date keeps a time of day as a fraction of a day, which lands a hair off the second it meant.
        var rounded = new DateTime((t.Ticks + TimeSpan.TicksPerSecond / 2) / TimeSpan.TicksPerSecond * TimeSpan.TicksPerSecond, t.Kind);
        if (rounded.TimeOfDay == TimeSpan.Zero) return rounded.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        // A time without a date is stored as a fraction of day zero, 1899-12-30.
        if (rounded.Date == new DateTime(1899, 12, 30)) return rounded.ToString("HH:mm:ss", CultureInfo.InvariantCulture);
        return rounded.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture);
    }

    /// <summary>"A" is 0, "Z" 25, "AA" 26; -1 for anything that is not a column name.</summary>
    internal static int ColumnIndex(string key)
    {
        if (key.Length is 0 or > 3) return -1;
        var n = 0;
        foreach (var c in key)
        {
            if (c is < 'A' or > 'Z') return -1;
            n = n * 26 + (c - 'A' + 1);
        }
        return n - 1;
    }
}
