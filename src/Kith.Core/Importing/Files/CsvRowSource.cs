using System.Globalization;
using System.Text;
using nietras.SeparatedValues;
using static System.FormattableString;

namespace Kith.Core.Importing.Files;

/// <summary>
/// Text rows through Sep, behind <see cref="CsvGuardReader"/>. Sep is given the delimiter (its own guess only knows a
/// header line and defaults to ';'), no header (the header is the first non-blank line, which Sep cannot skip to),
/// unescaping on, and the column-count check off: a short or long row is the importer's to report, row by row.
/// </summary>
internal sealed class CsvRowSource : IRowSource
{
    private readonly ReplayStream _bytes;
    private readonly SepReader _sep;
    private readonly TabularOptions _options;

    public CsvRowSource(ReplayStream bytes, TextEncoding encoding, char delimiter, TabularOptions options)
    {
        _bytes = bytes;
        _options = options;
        Sep sep;
        try
        {
            sep = Sep.New(delimiter);
        }
        catch (ArgumentException)
        {
            throw new TabularFileException($"'{delimiter}' cannot be a delimiter; use a comma, semicolon, tab or pipe");
        }
        var text = new StreamReader(bytes, encoding.Encoding, detectEncodingFromByteOrderMarks: false, bufferSize: 1 << 16);
        var guard = new CsvGuardReader(text, delimiter, options.MaxFieldChars, encoding.Name);
        try
        {
            _sep = sep.Reader(o => o with
            {
                HasHeader = false,
                Unescape = true,
                DisableColCountCheck = true,
                CultureInfo = CultureInfo.InvariantCulture,
            }).From(guard);
        }
        catch (NotSupportedException e)
        {
            guard.Dispose();
            throw RowTooLong(1, e);
        }
        catch
        {
            guard.Dispose();
            throw;
        }
    }

    public long Position => _bytes.BytesRead;

    public IEnumerable<TabularRow> Rows(Func<CancellationToken> ct)
    {
        var maxColumns = _options.MaxColumns;
        var maxFieldChars = _options.MaxFieldChars;
        var lastLine = 1;
        while (true)
        {
            ct().ThrowIfCancellationRequested();
            string[]? cells;
            int line;
            try
            {
                if (!_sep.MoveNext()) break;
                var row = _sep.Current;
                // Sep reports the first row as starting on line 2 when it is not read as a header; it is on line 1.
                line = row.RowIndex == 0 ? 1 : row.LineNumberFrom;
                lastLine = line;
                if (IsBlank(row)) continue;
                if (row.ColCount > maxColumns)
                {
                    throw new TabularFileException(
                        Invariant($"line {line:N0}: the row has {row.ColCount:N0} columns; at most {maxColumns:N0} are allowed"), line, maxColumns + 1);
                }
                cells = new string[row.ColCount];
                for (var i = 0; i < cells.Length; i++)
                {
                    var span = row[i].Span;
                    // Cannot be longer than the guard allows, but a cell is also the end of the line for the guard.
                    if (span.Length > maxFieldChars)
                    {
                        throw new TabularFileException(
                            Invariant($"line {line:N0}, column {i + 1}: a field is longer than {maxFieldChars:N0} characters"), line, i + 1);
                    }
                    cells[i] = span.Contains(CsvGuardReader.LiteralQuote) ? span.ToString().Replace(CsvGuardReader.LiteralQuote, '"') : span.ToString();
                }
            }
            catch (NotSupportedException e)
            {
                throw RowTooLong(lastLine, e);
            }
            yield return new TabularRow(line, cells);
        }
    }

    public void Dispose() => _sep.Dispose();

    private static bool IsBlank(SepReader.Row row)
    {
        for (var i = 0; i < row.ColCount; i++)
        {
            if (!row[i].Span.IsWhiteSpace()) return false;
        }
        return true;
    }

    /// <summary>Sep's own limit on a row, should the guard's not come first.</summary>
    private static TabularFileException RowTooLong(int afterLine, Exception e) =>
        new(Invariant($"after line {afterLine:N0}: a row is longer than {CsvGuardReader.MaxRowChars:N0} characters"), afterLine, null, e);
}
