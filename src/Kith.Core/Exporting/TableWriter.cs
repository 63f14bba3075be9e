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
    /// <remarks>
    /// <paramref name="numbers"/> are the columns (counted from 0) that hold numbers: there an XLSX writes a cell whose
    /// text is a plain invariant number (<c>-5</c>, <c>0.25</c>) as a numeric cell, which a spreadsheet adds up and
    /// which cannot be a formula, so it is written as it is; any other text in those columns is written and
    /// neutralised as everywhere else. CSV has no types: there every cell is text and neutralised.
    /// </remarks>
    public static TableWriter Create(Stream output, ExportFormat format, bool utf8Bom = true, IReadOnlySet<int>? numbers = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        return format switch
        {
            ExportFormat.Csv => new CsvTableWriter(output, utf8Bom),
            ExportFormat.Xlsx => new XlsxTableWriter(output, numbers),
            _ => throw new ArgumentOutOfRangeException(nameof(format)),
        };
    }

    /// <summary>The first row: column names. At most once, before any row.</summary>
    public void WriteHeader(IReadOnlyList<string> names)
    {
        StartHeader();
        WriteCells(Safe(names!, header: true), header: true);
    }

    public ValueTask WriteHeaderAsync(IReadOnlyList<string> names, CancellationToken ct = default)
    {
        StartHeader();
        return WriteCellsAsync(Safe(names!, header: true), header: true, ct);
    }

    public void WriteRow(IReadOnlyList<string?> cells)
    {
        StartRow();
        WriteCells(Safe(cells, header: false), header: false);
        Rows++;
    }

    public async ValueTask WriteRowAsync(IReadOnlyList<string?> cells, CancellationToken ct = default)
    {
        StartRow();
        await WriteCellsAsync(Safe(cells, header: false), header: false, ct);
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

    protected abstract void WriteCells(string?[] cells, bool header);

    protected abstract ValueTask WriteCellsAsync(string?[] cells, bool header, CancellationToken ct);

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

    /// <summary>Whether the format writes this row cell as a number rather than as text; by default never.</summary>
    protected virtual bool IsNumber(int column, string cell) => false;

    private string?[] Safe(IReadOnlyList<string?> cells, bool header)
    {
        var safe = new string?[cells.Count];
        for (var i = 0; i < safe.Length; i++)
            safe[i] = cells[i] is not { } text ? null
                : !header && IsNumber(i, text) ? text
                : CellSafety.Neutralise(Representable(text));
        return safe;
    }
}
