using System.IO.Compression;
using System.Text;
using Kith.Core.Exporting;
using Kith.Core.Infrastructure;

namespace Kith.Core.Tests.Exporting;

public sealed class TableWriterTests
{
    public static TheoryData<ExportFormat> Formats => new() { ExportFormat.Csv, ExportFormat.Xlsx };

    [Theory]
    [MemberData(nameof(Formats))]
    public void FormulaStartsAreNeutralisedInTheFile(ExportFormat format)
    {
        var file = TableFiles.Write(format, ["name", "=header"],
        [
            ["=HYPERLINK(\"http://evil\",\"x\")", "+1"],
            ["-2", "@SUM(A1)"],
            ["\tTab", "\rReturn"],
            ["'=already", "plain"],
        ]);
        var rows = TableFiles.Read(format, file);
        Assert.Equal(["name", "'=header"], rows[0]);
        Assert.Equal(["'=HYPERLINK(\"http://evil\",\"x\")", "'+1"], rows[1]);
        Assert.Equal(["'-2", "'@SUM(A1)"], rows[2]);
        // XML reads a carriage return as a line feed, so XLSX writes line feeds; one no longer starts a formula.
        Assert.Equal(["'\tTab", format == ExportFormat.Csv ? "'\rReturn" : "\nReturn"], rows[3]);
        Assert.Equal(["''=already", "plain"], rows[4]);
        Assert.All(rows.SelectMany(r => r), cell => Assert.False(cell.Length > 0 && cell[0] is '=' or '+' or '-' or '@' or '\t' or '\r'));
    }

    [Fact]
    public async Task NumberColumnsOfAWorkbookHoldNumericCellsAndEverythingElseStaysNeutralisedText()
    {
        var rows = new List<IReadOnlyList<string?>> { new[] { "-5", "-5", "0.25" }, new[] { "=cmd()", "+1 kettle", "1e3" }, new[] { "007", " 4", null } };
        using var buffer = new MemoryStream();
        await using (var writer = TableWriter.Create(buffer, ExportFormat.Xlsx, numbers: new HashSet<int> { 1, 2 }))
        {
            // Header names that look like numbers stay text.
            await writer.WriteHeaderAsync(["name", "00", "2"], TestContext.Current.CancellationToken);
            foreach (var row in rows) await writer.WriteRowAsync(row, TestContext.Current.CancellationToken);
            await writer.CompleteAsync(TestContext.Current.CancellationToken);
        }
        using var read = new MemoryStream(buffer.ToArray());
        var cells = MiniExcelLibs.MiniExcel.Query(read, useHeaderRow: false, excelType: MiniExcelLibs.ExcelType.XLSX)
            .Cast<IDictionary<string, object?>>().Select(r => r.Values.ToArray()).ToList();
        Assert.Equal(["name", "00", "2"], cells[0]);
        // Column 0 is text: its "-5" is neutralised; columns 1 and 2 hold numbers where the text is a plain number.
        Assert.Equal(["'-5", -5.0, 0.25], cells[1]);
        Assert.Equal(["'=cmd()", "'+1 kettle", "1e3"], cells[2]);
        Assert.Equal(["007", " 4", null], cells[3]);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task RandomHostileStringsComeBackExactlyAfterRestore(ExportFormat format)
    {
        var values = HostileStrings.Generate(seed: format == ExportFormat.Csv ? 7 : 11, count: 3000).ToList();
        var rows = values.Chunk(3).Where(c => c.Length == 3).Select(c => (IReadOnlyList<string?>)c).ToList();
        var file = await TableFiles.WriteAsync(format, ["a", "b", "c"], rows);

        var back = TableFiles.Read(format, file);
        Assert.Equal(rows.Count + 1, back.Count);
        for (var i = 0; i < rows.Count; i++)
            for (var c = 0; c < 3; c++)
                Assert.Equal(format == ExportFormat.Csv ? rows[i][c] : AsXlsxReadsIt(rows[i][c]!), CellSafety.Restore(back[i + 1][c]));
    }

    [Fact]
    public void CsvIsRfc4180WithCrlfAndQuotesOnlyWhereNeeded()
    {
        var file = TableFiles.Write(ExportFormat.Csv, ["name", "note"], [["王小明", "said \"hi\", then\nleft"], ["plain", null]], bom: false);
        Assert.Equal("name,note\r\n王小明,\"said \"\"hi\"\", then\nleft\"\r\nplain,\r\n", TableFiles.Text(file));
    }

    [Fact]
    public void CsvStartsWithAByteOrderMarkUnlessAskedNotTo()
    {
        var with = TableFiles.Write(ExportFormat.Csv, ["名字"], [["王"]]);
        var without = TableFiles.Write(ExportFormat.Csv, ["名字"], [["王"]], bom: false);
        Assert.Equal([0xEF, 0xBB, 0xBF], with[..3]);
        Assert.Equal("名字", Encoding.UTF8.GetString(without[..6]));
        Assert.Equal(with[3..], without);
        Assert.Equal("名字", TableFiles.ReadCsv(with)[0][0]);
    }

    [Fact]
    public void XlsxIsAWorkbookWhoseCellsAreAllText()
    {
        var file = TableFiles.Write(ExportFormat.Xlsx, ["age", "name"], [["34", "王小明"], ["0042", "line one\nline two"]]);
        using var zip = new ZipArchive(new MemoryStream(file));
        Assert.NotNull(zip.GetEntry("xl/workbook.xml"));
        using var sheet = new StreamReader(zip.GetEntry("xl/worksheets/sheet1.xml")!.Open());
        var xml = sheet.ReadToEnd();
        Assert.DoesNotContain("<x:f>", xml);
        var rows = TableFiles.ReadXlsx(file);
        Assert.Equal(["0042", "line one\nline two"], rows[2]);
    }

    [Fact]
    public void AnEmptyXlsxTableIsStillAWorkbook()
    {
        using var output = new MemoryStream();
        using (var writer = TableWriter.Create(output, ExportFormat.Xlsx))
            writer.Complete();
        using var zip = new ZipArchive(new MemoryStream(output.ToArray()));
        Assert.NotNull(zip.GetEntry("xl/worksheets/sheet1.xml"));
    }

    [Fact]
    public void XlsxRefusesARowWiderThanTheHeaderAndPadsAShorterOne()
    {
        using var output = new MemoryStream();
        using var writer = TableWriter.Create(output, ExportFormat.Xlsx);
        writer.WriteHeader(["a", "b"]);
        writer.WriteRow(["1"]);
        Assert.Throws<ArgumentException>(() => writer.WriteRow(["1", "2", "3"]));
        writer.Complete();
        Assert.Equal(["1", ""], TableFiles.ReadXlsx(output.ToArray())[1]);
    }

    [Fact]
    public void TheHeaderComesFirstAndOnlyOnce()
    {
        using var output = new MemoryStream();
        using var writer = TableWriter.Create(output, ExportFormat.Csv);
        writer.WriteRow(["x"]);
        Assert.Throws<InvalidOperationException>(() => writer.WriteHeader(["a"]));
        writer.Complete();
        Assert.Throws<InvalidOperationException>(() => writer.WriteRow(["y"]));
        Assert.Equal(1, writer.Rows);
    }

    [Fact]
    public async Task NothingReachesTheStreamBeforeTheFirstRow()
    {
        foreach (var format in new[] { ExportFormat.Csv, ExportFormat.Xlsx })
        {
            var output = new MemoryStream();
            await using (TableWriter.Create(output, format))
            {
                Assert.Equal(0, output.Length);
            }
            Assert.Equal(0, output.Length);
        }
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task TheAsyncMethodsWriteOnlyAsynchronouslyToTheStream(ExportFormat format)
    {
        // An ASP.NET Core response body throws on synchronous writes; so does this stream.
        var output = new AsyncOnlyStream();
        await WriteManyAsync(output, format);
        var rows = TableFiles.Read(format, output.Inner.ToArray());
        Assert.Equal(20_001, rows.Count);
        Assert.Equal(["19999", "王小明 19999"], rows[^1]);
    }

    [Fact]
    public void XlsxRefusesMoreRowsThanExcelOpens()
    {
        using var writer = TableWriter.Create(Stream.Null, ExportFormat.Xlsx);
        writer.WriteHeader(["n"]);
        var row = new[] { "1" };
        for (var i = 1; i < 1_048_576; i++) writer.WriteRow(row);
        var refused = Assert.Throws<RuleViolation>(() => writer.WriteRow(row));
        Assert.Contains("1,048,576", refused.Message);
    }

    /// <summary>
    /// Line breaks as line feeds; and MiniExcel's reader skips a cell of nothing but line feeds and tabs (the XML holds
    /// it, without xml:space="preserve", which MiniExcel only writes for spaces), so those read back empty.
    /// </summary>
    private static string AsXlsxReadsIt(string s)
    {
        s = s.Replace("\r\n", "\n").Replace('\r', '\n');
        var written = CellSafety.Neutralise(s);
        return written.Length > 0 && written.All(c => c is '\n' or '\t') ? "" : s;
    }

    private static async Task WriteManyAsync(Stream output, ExportFormat format)
    {
        await using var writer = TableWriter.Create(output, format);
        await writer.WriteHeaderAsync(["n", "name"]);
        for (var i = 0; i < 20_000; i++) await writer.WriteRowAsync([i.ToString(System.Globalization.CultureInfo.InvariantCulture), "王小明 " + i]);
        await writer.CompleteAsync();
    }

    private sealed class AsyncOnlyStream : Stream
    {
        public MemoryStream Inner { get; } = new();
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => throw new InvalidOperationException("Synchronous flush.");
        public override void Write(byte[] buffer, int offset, int count) => throw new InvalidOperationException("Synchronous write.");
        public override void Write(ReadOnlySpan<byte> buffer) => throw new InvalidOperationException("Synchronous write.");
        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct) => Inner.WriteAsync(buffer, offset, count, ct);
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default) => Inner.WriteAsync(buffer, ct);
        public override Task FlushAsync(CancellationToken ct) => Task.CompletedTask;
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
