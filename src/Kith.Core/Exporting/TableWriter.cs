namespace Kith.Core.Exporting;

/// <summary>
/// Writes a table (a header and rows of text cells) to a stream as CSV or XLSX, one row at a time, so memory stays
/// the same for ten rows or a million. Every cell, header included, passes through <see cref="CellSafety.Neutralise"/>;
/// null cells are written empty.
/// <para>
/// The writer never closes <c>output</c>. Nothing reaches the stream before the first header or row, so a caller
/// can still answer with an error until then. Call <see cref="CompleteAsync"/> (or <see cref="Complete"/>) to finish
/// the file; disposing without completing abandons it (an XLSX is then not a valid file).
/// </para>
/// <para>
/// Both writers write to <c>output</c> with asynchronous calls when the rows come through the async methods, so an
/// ASP.NET Core response body (which refuses synchronous writes) is a fine <c>output</c>.
/// </para>
/// </summary>
public abstract class TableWriter : IDisposable, IAsyncDisposable
{
    private bool _started;
    private bool _completed;

    /// <summary>Rows written so far, not counting the header.</summary>
    public long Rows { get; private set; }

    /// <summary>
    /// A writer for <paramref name="format"/>. CSV is RFC 4180 (comma, CRLF line ends, fields holding a comma, quote or
    /// line break quoted, quotes doubled), UTF-8 with a byte order mark unless <paramref name="utf8Bom"/> is false: the
    /// mark is how Excel knows the file is UTF-8 and shows Chinese correctly; pandas and most tools read either.
    /// </summary>
    public static TableWriter Create(Stream output, ExportFormat format, bool utf8Bom = true)
    {
        ArgumentNullException.ThrowIfNull(output);
        return format switch
        {
            ExportFormat.Csv => new CsvTableWriter(output, utf8Bom),
            ExportFormat.Xlsx => new XlsxTableWriter(output),
            _ => throw new ArgumentOutOfRangeException(nameof(format)),
        };
    }

    /// <summary>The first row: column names. At most once, before any row.</summary>
    public void WriteHeader(IReadOnlyList<string> names)
    {
        StartHeader();
        WriteCells(Safe(names!));
    }

    public ValueTask WriteHeaderAsync(IReadOnlyList<string> names, CancellationToken ct = default)
    {
        StartHeader();
        return WriteCellsAsync(Safe(names!), ct);
    }

    public void WriteRow(IReadOnlyList<string?> cells)
    {
        StartRow();
        WriteCells(Safe(cells));
        Rows++;
    }

    public async ValueTask WriteRowAsync(IReadOnlyList<string?> cells, CancellationToken ct = default)
    {
        StartRow();
        await WriteCellsAsync(Safe(cells), ct);
        Rows++;
    }

    /// <summary>Finishes the file and flushes it to the stream (an XLSX's zip directory is written here).</summary>
    public void Complete() => CompleteAsync().AsTask().GetAwaiter().GetResult();

    public async ValueTask CompleteAsync(CancellationToken ct = default)
    {
        EnsureOpen();
        _completed = true;
        await FinishAsync(ct);
    }

    public void Dispose()
    {
        DisposeAsync().AsTask().GetAwaiter().GetResult();
        GC.SuppressFinalize(this);
    }

    public async ValueTask DisposeAsync()
    {
        await ReleaseAsync(_completed);
        GC.SuppressFinalize(this);
    }

    protected abstract void WriteCells(string?[] cells);

    protected abstract ValueTask WriteCellsAsync(string?[] cells, CancellationToken ct);

    protected abstract ValueTask FinishAsync(CancellationToken ct);

    /// <summary>Frees what the writer holds; <paramref name="completed"/> is false when the file was abandoned.</summary>
    protected abstract ValueTask ReleaseAsync(bool completed);

    private void StartHeader()
    {
        EnsureOpen();
        if (_started) throw new InvalidOperationException("The header is the first row: write it once, before any other row.");
        _started = true;
    }

    private void StartRow()
    {
        EnsureOpen();
        _started = true;
    }

    private void EnsureOpen()
    {
        if (_completed) throw new InvalidOperationException("The table is complete; no more rows can be written.");
    }

    /// <summary>What the format can hold of a cell's text, before neutralising; by default all of it.</summary>
    protected virtual string Representable(string cell) => cell;

    private string?[] Safe(IReadOnlyList<string?> cells)
    {
        var safe = new string?[cells.Count];
        for (var i = 0; i < safe.Length; i++)
            safe[i] = cells[i] is { } text ? CellSafety.Neutralise(Representable(text)) : null;
        return safe;
    }
}
