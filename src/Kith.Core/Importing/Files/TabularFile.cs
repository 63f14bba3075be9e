using System.Globalization;
using static System.FormattableString;

namespace Kith.Core.Importing.Files;

/// <summary>
/// A CSV, TSV or XLSX file as a header and a stream of rows, whatever it came as: the format is told by content (a zip
/// is an XLSX, whatever its name), the text encoding and the delimiter are detected unless the options name them, and
/// hostile files (binary data, an unclosed quote in a large file, a row of 10,000 columns, a zip bomb, XML entities)
/// end in a <see cref="TabularFileException"/> that says what and where, in bounded memory. One reader, one pass.
/// </summary>
public sealed class TabularFile : IDisposable
{
    private static readonly byte[] s_zip = [0x50, 0x4B, 0x03, 0x04];
    private static readonly byte[] s_emptyZip = [0x50, 0x4B, 0x05, 0x06];
    private static readonly byte[] s_compoundDocument = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

    private readonly IRowSource _source;
    private readonly IEnumerator<TabularRow> _rows;
    private CancellationToken _ct;
    private bool _reading;

    private TabularFile(IRowSource source, TabularFormat format, string encodingName, char delimiter, long length)
    {
        _source = source;
        Format = format;
        EncodingName = encodingName;
        Delimiter = delimiter;
        Length = length;
        _rows = source.Rows(() => _ct).GetEnumerator();
        if (!_rows.MoveNext()) throw new TabularFileException("the file is empty: it has no header line");
        HeaderLine = _rows.Current.Line;
        Header = HeaderNames(_rows.Current, format == TabularFormat.Xlsx ? "row" : "line");
    }

    public TabularFormat Format { get; }

    /// <summary>"utf-8", "utf-8-bom", "utf-16le", "utf-16be", "utf-32le", "utf-32be", "gb18030", "windows-1252" or the
    /// name of an encoding given in the options; "xlsx" for a workbook.</summary>
    public string EncodingName { get; }

    /// <summary>The delimiter detected or given; ',' for XLSX.</summary>
    public char Delimiter { get; }

    /// <summary>The column names of the first non-blank line (or sheet row), trimmed; a blank name becomes
    /// "column N" (N from 1).</summary>
    public IReadOnlyList<string> Header { get; }

    /// <summary>Where the header is: its file line, or its sheet row.</summary>
    public int HeaderLine { get; }

    /// <summary>Size of the file in bytes; 0 when it came as a stream of unknown length.</summary>
    public long Length { get; }

    /// <summary>About how many bytes have been read, for a progress bar against <see cref="Length"/>; never goes back.
    /// Safe to read from another thread.</summary>
    public long Position => _source.Position;

    public static TabularFile Open(string path, TabularOptions? options = null)
    {
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException or IOException)
        {
            throw new TabularFileException($"cannot open {path}: {e.Message}", null, null, e);
        }
        try
        {
            return Open(file, ownsStream: true, Path.GetFileName(path), options ?? new TabularOptions());
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Reads from <paramref name="stream"/> (from its current position); the stream stays the caller's to
    /// dispose, after this file. <paramref name="fileName"/> only serves messages.</summary>
    public static TabularFile Open(Stream stream, string fileName, TabularOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return Open(stream, ownsStream: false, fileName, options ?? new TabularOptions());
    }

    /// <summary>
    /// The data rows after the header, blank lines left out, cells as written (cleaning trims them). Once only: the
    /// file is read as it goes. Throws <see cref="TabularFileException"/> where the file turns out to be unreadable.
    /// </summary>
    public IEnumerable<TabularRow> ReadRows(CancellationToken ct = default)
    {
        if (_reading) throw new InvalidOperationException("the rows of a tabular file can be read once");
        _reading = true;
        return Iterate(ct);
    }

    public void Dispose()
    {
        _rows.Dispose();
        _source.Dispose();
    }

    private IEnumerable<TabularRow> Iterate(CancellationToken ct)
    {
        _ct = ct;
        while (_rows.MoveNext())
        {
            yield return _rows.Current;
        }
    }

    private static TabularFile Open(Stream stream, bool ownsStream, string fileName, TabularOptions options)
    {
        Validate(options);
        var start = stream.CanSeek ? stream.Position : 0;
        var length = stream.CanSeek ? stream.Length - start : 0;
        var headSize = stream.CanSeek ? (int)Math.Min(TextEncoding.SniffBytes, length + 1) : TextEncoding.SniffBytes;
        var head = new byte[Math.Max(headSize, 8)];
        var headLength = ReadFull(stream, head);
        var wholeFile = headLength < head.Length;
        var magic = head.AsSpan(0, headLength);

        if (headLength == 0) throw new TabularFileException("the file is empty");
        if (magic.StartsWith(s_zip)) return OpenXlsx(stream, ownsStream, start, head, headLength, options);
        if (magic.StartsWith(s_emptyZip))
        {
            throw new TabularFileException("this is an empty zip archive, not an XLSX workbook");
        }
        if (magic.StartsWith(s_compoundDocument))
        {
            throw new TabularFileException(
                $"{fileName} is an old Excel (.xls) workbook or a password-protected one; save it as .xlsx (without a password) or as CSV");
        }

        var encoding = TextEncoding.Detect(magic, wholeFile, options.Encoding);
        if (headLength == encoding.BomLength) throw new TabularFileException("the file is empty");
        char delimiter;
        if (options.Delimiter is { } given) delimiter = given;
        else
        {
            var (sample, sampleIsWholeFile) = encoding.Sample(magic, wholeFile);
            delimiter = Delimiters.Detect(sample, sampleIsWholeFile);
        }
        var bytes = new ReplayStream(head, encoding.BomLength, headLength, stream, ownsStream);
        var source = new CsvRowSource(bytes, encoding, delimiter, options);
        try
        {
            return new TabularFile(source, TabularFormat.Csv, encoding.Name, delimiter, length);
        }
        catch
        {
            source.Dispose();
            throw;
        }
    }

    private static TabularFile OpenXlsx(Stream stream, bool ownsStream, long start, byte[] head, int headLength, TabularOptions options)
    {
        // A zip is read from its end, so it needs a stream that seeks and starts at the zip: anything else is copied to
        // a temporary file first (an upload), never to memory.
        Stream workbook;
        var ownsWorkbook = ownsStream;
        if (stream.CanSeek && start == 0)
        {
            stream.Position = 0;
            workbook = stream;
        }
        else
        {
            workbook = SpoolToTemporaryFile(stream, head, headLength);
            ownsWorkbook = true;
            if (ownsStream) stream.Dispose();
        }
        try
        {
            XlsxGuard.Check(workbook, options.MaxXlsxUncompressedBytes);
            workbook.Position = 0;
            var source = new XlsxRowSource(workbook, ownsWorkbook, options);
            try
            {
                return new TabularFile(source, TabularFormat.Xlsx, "xlsx", ',', workbook.Length);
            }
            catch
            {
                source.Dispose();
                throw;
            }
        }
        catch
        {
            if (ownsWorkbook && workbook != stream) workbook.Dispose();
            throw;
        }
    }

    private static FileStream SpoolToTemporaryFile(Stream stream, byte[] head, int headLength)
    {
        var spool = new FileStream(Path.GetTempFileName(), FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 16,
            FileOptions.DeleteOnClose);
        try
        {
            spool.Write(head, 0, headLength);
            stream.CopyTo(spool);
            spool.Position = 0;
            return spool;
        }
        catch
        {
            spool.Dispose();
            throw;
        }
    }

    private static void Validate(TabularOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxColumns, 1, nameof(options.MaxColumns));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxFieldChars, 1, nameof(options.MaxFieldChars));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxXlsxUncompressedBytes, 1, nameof(options.MaxXlsxUncompressedBytes));
        if (options.Delimiter is '"' or '\r' or '\n' or '\0')
        {
            throw new TabularFileException($"'{options.Delimiter}' cannot be a delimiter; use a comma, semicolon, tab or pipe");
        }
    }

    private static int ReadFull(Stream stream, byte[] buffer)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var n = stream.Read(buffer, total, buffer.Length - total);
            if (n == 0) break;
            total += n;
        }
        return total;
    }

    /// <summary>Trimmed names, "column N" for blank ones, and no two alike (ignoring case, as mapping does).</summary>
    private static string[] HeaderNames(TabularRow header, string lineWord)
    {
        var names = new string[header.Cells.Length];
        var seen = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < names.Length; i++)
        {
            var name = header.Cells[i].Trim().Trim('\uFEFF').Trim();
            if (name.Length == 0) name = string.Create(CultureInfo.InvariantCulture, $"column {i + 1}");
            if (seen.TryGetValue(name, out var first))
            {
                throw new TabularFileException(
                    Invariant($"{lineWord} {header.Line:N0}: columns {first + 1} and {i + 1} of the header are both named \"{name}\"; rename one"),
                    header.Line, i + 1);
            }
            seen[name] = i;
            names[i] = name;
        }
        return names;
    }
}
