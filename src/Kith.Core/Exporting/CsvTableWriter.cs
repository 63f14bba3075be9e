using System.Globalization;
using System.Text;
using nietras.SeparatedValues;

namespace Kith.Core.Exporting;

/// <summary>
/// CSV through Sep's writer with escaping on. Line ends are CRLF as RFC 4180 says (Excel and pandas read both);
/// a line break inside a field stays as it was, inside the quotes. Rows may differ in length: the importer's
/// rejected-rows file keeps a row's cells as they came.
/// </summary>
internal sealed class CsvTableWriter : TableWriter
{
    private readonly StreamWriter _text;
    private readonly SepWriter _sep;

    public CsvTableWriter(Stream output, bool utf8Bom)
    {
        _text = new StreamWriter(output, new UTF8Encoding(utf8Bom), bufferSize: 64 * 1024, leaveOpen: true) { NewLine = "\r\n" };
        _sep = Sep.New(',').Writer(o => o with
        {
            Escape = true,
            WriteHeader = false,
            DisableColCountCheck = true,
            ColNotSetOption = SepColNotSetOption.Empty,
            CultureInfo = CultureInfo.InvariantCulture,
        }).To(_text, leaveOpen: true);
    }

    protected override void WriteCells(string?[] cells, bool header)
    {
        using var row = _sep.NewRow();
        for (var i = 0; i < cells.Length; i++) row[i].Set(cells[i] ?? "");
    }

    protected override async ValueTask WriteCellsAsync(string?[] cells, bool header, CancellationToken ct)
    {
        await using var row = _sep.NewRow(ct);
        for (var i = 0; i < cells.Length; i++) row[i].Set(cells[i] ?? "");
    }

    protected override async ValueTask FinishAsync(CancellationToken ct)
    {
        await _sep.FlushAsync(ct);
        await _text.FlushAsync(ct);
    }

    protected override async ValueTask ReleaseAsync(bool completed)
    {
        // Sep's dispose flushes into the StreamWriter's buffer; the StreamWriter is left unflushed when abandoned.
        if (completed)
        {
            await _sep.DisposeAsync();
            await _text.DisposeAsync();
        }
    }
}
