using System.Globalization;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Kith.Core.Infrastructure;
using MiniExcelLibs;
using MiniExcelLibs.OpenXml;

namespace Kith.Core.Exporting;

/// <summary>
/// XLSX through MiniExcel's streaming writer. MiniExcel pulls rows from an enumerable while this writer is pushed
/// rows one at a time, so the two meet in a small bounded channel: MiniExcel runs as a background task reading
/// from it, and a writer that gets ahead waits. Memory stays bounded (measured: about 70 MB peak for 1,000,000 rows
/// of four columns, the same as for 1,000), and every cell is text, so what is exported is exactly what is imported.
/// <para>
/// The sheet has as many columns as the header (or the first row, without a header); a shorter row is padded, a
/// longer one refused. Excel opens at most <see cref="MaxRows"/> rows per sheet, so a longer table is refused too.
/// </para>
/// <para>
/// Line breaks in a cell are written as line feeds, as Excel writes them: XML reads a carriage return back as a line
/// feed, and MiniExcel does not escape it, so CRLF and a lone CR become LF before the cell is neutralised (a cell
/// must not carry an apostrophe for a CR it no longer starts with). CSV keeps every character as it is.
/// </para>
/// <para>
/// In the columns named as <c>numbers</c>, a cell that is a plain number (digits, an optional leading minus and
/// decimal point, as <see cref="CultureInfo.InvariantCulture"/> writes it) becomes a numeric cell; anything else there
/// stays text. The analyses use it (a sheet of counts and revenue a user can sum); the list exports do not, so that
/// what they export is exactly what is imported.
/// </para>
/// </summary>
internal sealed class XlsxTableWriter(Stream output, IReadOnlySet<int>? numbers = null) : TableWriter
{
    /// <summary>Excel's limit of rows in a sheet, the header included.</summary>
    public const int MaxRows = 1_048_576;
    /// <summary>Rows waiting for MiniExcel; enough to keep it busy, small enough not to matter.</summary>
    private const int Buffered = 512;

    private readonly Channel<IDictionary<string, object?>> _rows = Channel.CreateBounded<IDictionary<string, object?>>(
        new BoundedChannelOptions(Buffered) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly AsyncWritesStream _output = new(output);
    private readonly CancellationTokenSource _abort = new();
    private string[]? _keys;
    private Task? _save;
    private long _written;

    protected override string Representable(string cell) =>
        cell.Contains('\r') ? cell.Replace("\r\n", "\n").Replace('\r', '\n') : cell;

    protected override bool IsNumber(int column, string cell) => numbers is not null && numbers.Contains(column) && Number(cell) is not null;

    /// <summary>
    /// The number a cell's text writes, or null. Only the forms an invariant ToString gives: no leading plus, spaces,
    /// group separators or exponent, so no text such as "+1 kettle" or "1e3" changes on its way into the sheet.
    /// </summary>
    private static decimal? Number(string cell) =>
        cell.Length is > 0 and <= 30 && (char.IsAsciiDigit(cell[0]) || cell[0] == '-') && char.IsAsciiDigit(cell[^1])
        && decimal.TryParse(cell, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)
            ? value : null;

    protected override void WriteCells(string?[] cells, bool header)
    {
        var row = Row(cells, header);
        if (_rows.Writer.TryWrite(row)) return;
        WriteAsync(row, CancellationToken.None).AsTask().GetAwaiter().GetResult();
    }

    protected override ValueTask WriteCellsAsync(string?[] cells, bool header, CancellationToken ct)
    {
        var row = Row(cells, header);
        return _rows.Writer.TryWrite(row) ? ValueTask.CompletedTask : WriteAsync(row, ct);
    }

    protected override async ValueTask FinishAsync(CancellationToken ct)
    {
        // An empty table is still a valid workbook, with an empty sheet.
        _keys ??= [];
        Start();
        _rows.Writer.TryComplete();
        await _save!.WaitAsync(ct);
        await _output.FlushAsync(ct);
    }

    protected override async ValueTask ReleaseAsync(bool completed)
    {
        if (_save is not null && !_save.IsCompleted)
        {
            await _abort.CancelAsync();
            _rows.Writer.TryComplete();
            try
            {
                await _save;
            }
            catch (Exception)
            {
                // The file is being abandoned (the caller failed or was cancelled); MiniExcel's own error adds nothing.
            }
        }
        _abort.Dispose();
    }

    private IDictionary<string, object?> Row(string?[] cells, bool header)
    {
        if (_keys is null)
        {
            _keys = new string[cells.Length];
            for (var i = 0; i < cells.Length; i++) _keys[i] = i.ToString(CultureInfo.InvariantCulture);
            Start();
        }
        if (cells.Length > _keys.Length)
            throw new ArgumentException($"This row has {cells.Length} cells but the sheet has {_keys.Length} columns.", nameof(cells));
        if (++_written > MaxRows)
            throw new RuleViolation($"An XLSX sheet holds at most {MaxRows:N0} rows, the header included; export to CSV instead, or narrow the list.");
        var row = new Dictionary<string, object?>(_keys.Length);
        for (var i = 0; i < _keys.Length; i++)
        {
            var cell = i < cells.Length ? cells[i] : null;
            // A header's names stay text even over a column of numbers.
            row[_keys[i]] = !header && cell is not null && numbers is not null && numbers.Contains(i) && Number(cell) is { } n ? n : cell;
        }
        return row;
    }

    private async ValueTask WriteAsync(IDictionary<string, object?> row, CancellationToken ct)
    {
        try
        {
            await _rows.Writer.WriteAsync(row, ct);
        }
        catch (ChannelClosedException)
        {
            // MiniExcel stopped reading: its failure is the one to report.
            await _save!;
            throw;
        }
    }

    private void Start()
    {
        if (_save is not null) return;
        var configuration = new OpenXmlConfiguration { EnableAutoWidth = false, FastMode = false };
        var token = _abort.Token;
        // A task of its own: MiniExcel's synchronous stretches never run on the caller's thread.
        _save = Task.Run(() => MiniExcel.SaveAsAsync(_output, Pending(token), printHeader: false, sheetName: "Sheet1",
            excelType: ExcelType.XLSX, configuration: configuration, cancellationToken: token), token);
        // If MiniExcel fails, a writer waiting on a full channel must wake up and see the failure.
        _save.ContinueWith(t => _rows.Writer.TryComplete(t.Exception?.GetBaseException()), TaskScheduler.Default);
    }

    private async IAsyncEnumerable<IDictionary<string, object?>> Pending([EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var row in _rows.Reader.ReadAllAsync(ct)) yield return row;
    }

    /// <summary>
    /// MiniExcel writes nearly everything asynchronously, but closing each zip entry and the zip directory are
    /// synchronous writes (about 70 KB per file, whatever its size). An ASP.NET Core response refuses synchronous
    /// writes, so they are held here and sent ahead of the next asynchronous write, or by <see cref="FlushAsync"/>.
    /// </summary>
    private sealed class AsyncWritesStream(Stream inner) : Stream
    {
        private readonly MemoryStream _held = new();

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => _held.Write(buffer, offset, count);

        public override void Write(ReadOnlySpan<byte> buffer) => _held.Write(buffer);

        public override void WriteByte(byte value) => _held.WriteByte(value);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
            WriteAsync(buffer.AsMemory(offset, count), ct).AsTask();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default)
        {
            await SendHeldAsync(ct);
            await inner.WriteAsync(buffer, ct);
        }

        /// <summary>Held until the next asynchronous write or flush.</summary>
        public override void Flush()
        {
        }

        public override async Task FlushAsync(CancellationToken ct)
        {
            await SendHeldAsync(ct);
            await inner.FlushAsync(ct);
        }

        private async ValueTask SendHeldAsync(CancellationToken ct)
        {
            if (_held.Length == 0) return;
            await inner.WriteAsync(_held.GetBuffer().AsMemory(0, (int)_held.Length), ct);
            _held.SetLength(0);
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
