using System.Text;
using Kith.Core.Importing.Files;
using static Kith.Core.Tests.Importing.Files.TabularKit;

namespace Kith.Core.Tests.Importing.Files;

public sealed class TabularFileTests : IDisposable
{
    private readonly TabularKit _kit = new();

    private const string Chinese = "姓名,邮箱,城市\n王小明,wang@example.com,上海\n李雷,li@example.com,北京\n";

    public void Dispose() => _kit.Dispose();

    [Fact]
    public void Utf8WithoutBomIsDetectedAndChineseTextReadsBack()
    {
        var (file, rows) = ReadAll(_kit.Utf8("plain.csv", Chinese));
        using (file)
        {
            Assert.Equal(TabularFormat.Csv, file.Format);
            Assert.Equal("utf-8", file.EncodingName);
            Assert.Equal(',', file.Delimiter);
            Assert.Equal(["姓名", "邮箱", "城市"], file.Header);
            Assert.Equal([new TabularRow(2, ["王小明", "wang@example.com", "上海"]).Cells, ["李雷", "li@example.com", "北京"]], rows.Select(r => r.Cells));
            Assert.Equal([2, 3], rows.Select(r => r.Line));
        }
    }

    [Fact]
    public void Utf8WithBomIsDetectedAndTheBomIsNotPartOfTheFirstColumnName()
    {
        var (file, rows) = ReadAll(_kit.Write("bom.csv", Chinese, new UTF8Encoding(true), bom: true));
        using (file)
        {
            Assert.Equal("utf-8-bom", file.EncodingName);
            Assert.Equal("姓名", file.Header[0]);
            Assert.Equal("王小明", rows[0].Cells[0]);
        }
    }

    [Theory]
    [InlineData("utf-16le")]
    [InlineData("utf-16be")]
    [InlineData("utf-32le")]
    public void Utf16AndUtf32WithByteOrderMarkAreDetected(string name)
    {
        Encoding encoding = name switch
        {
            "utf-16le" => new UnicodeEncoding(bigEndian: false, byteOrderMark: true),
            "utf-16be" => new UnicodeEncoding(bigEndian: true, byteOrderMark: true),
            _ => new UTF32Encoding(bigEndian: false, byteOrderMark: true),
        };
        var (file, rows) = ReadAll(_kit.Write($"{name}.csv", Chinese, encoding, bom: true));
        using (file)
        {
            Assert.Equal(name, file.EncodingName);
            Assert.Equal(["姓名", "邮箱", "城市"], file.Header);
            Assert.Equal(["李雷", "li@example.com", "北京"], rows[1].Cells);
        }
    }

    [Theory]
    [InlineData(false, "utf-16le")]
    [InlineData(true, "utf-16be")]
    public void Utf16WithoutByteOrderMarkIsDetectedFromWhereItsNulBytesFall(bool bigEndian, string expected)
    {
        var (file, rows) = ReadAll(_kit.Write("utf16.csv", "name,email\nAnn,ann@example.com\n王小明,wang@example.com\n", new UnicodeEncoding(bigEndian, false)));
        using (file)
        {
            Assert.Equal(expected, file.EncodingName);
            Assert.Equal(["name", "email"], file.Header);
            Assert.Equal(["王小明", "wang@example.com"], rows[1].Cells);
        }
    }

    [Fact]
    public void Gb18030ChineseTextAsExcelOnChineseWindowsWritesItIsDetected()
    {
        var (file, rows) = ReadAll(_kit.Write("gbk.csv", Chinese, Encoding.GetEncoding("gb18030")));
        using (file)
        {
            Assert.Equal("gb18030", file.EncodingName);
            Assert.Equal(["姓名", "邮箱", "城市"], file.Header);
            Assert.Equal(["王小明", "wang@example.com", "上海"], rows[0].Cells);
        }
    }

    [Fact]
    public void Windows1252AsExcelOnWesternWindowsWritesItIsDetectedWhenNeitherUtf8NorGb18030Reads()
    {
        var (file, rows) = ReadAll(_kit.Write("latin.csv", "name,city\nZoë,Orléans\n", Encoding.GetEncoding("windows-1252")));
        using (file)
        {
            Assert.Equal("windows-1252", file.EncodingName);
            Assert.Equal(["Zoë", "Orléans"], rows[0].Cells);
        }
    }

    [Fact]
    public void AnEncodingNamedInTheOptionsWinsOverDetection()
    {
        // These Windows-1252 bytes also decode as GB18030 (ë and ö pair with the next letter), so detection guesses
        // wrong; the person knows better.
        var path = _kit.Write("latin.csv", "name,city\nNoël,Köln\n", Encoding.GetEncoding("windows-1252"));
        var (guessed, guessedRows) = ReadAll(path);
        using (guessed)
        {
            Assert.Equal("gb18030", guessed.EncodingName);
            Assert.NotEqual("Noël", guessedRows[0].Cells[0]);
        }

        var (file, rows) = ReadAll(path, new TabularOptions { Encoding = "windows-1252" });
        using (file)
        {
            Assert.Equal("windows-1252", file.EncodingName);
            Assert.Equal(["Noël", "Köln"], rows[0].Cells);
        }

        var (gbk, gbkRows) = ReadAll(_kit.Write("gbk.csv", Chinese, Encoding.GetEncoding("gb18030")), new TabularOptions { Encoding = "GBK" });
        using (gbk)
        {
            Assert.Equal("gb18030", gbk.EncodingName);
            Assert.Equal("北京", gbkRows[1].Cells[2]);
        }
    }

    [Fact]
    public void AnUnknownEncodingNameIsRefusedByName()
    {
        var error = Fails(_kit.Utf8("a.csv", "a,b\n1,2\n"), new TabularOptions { Encoding = "klingon-8" });
        Assert.Contains("unknown encoding \"klingon-8\"", error.Message);
    }

    [Fact]
    public void BytesThatAreNotUtf8PastTheSniffedStartStopTheReadAtTheirLine()
    {
        // Over 4 MB of ASCII, so the start decodes as UTF-8, then a GB18030 line.
        var text = new StringBuilder("id,name\n");
        var line = 1;
        while (text.Length < TextEncodingSniff + 1000) text.Append(line++).Append(",ann\n");
        line++;
        var bytes = Encoding.ASCII.GetBytes(text.ToString()).Concat(Encoding.GetEncoding("gb18030").GetBytes("99,王小明\n100,bob\n")).ToArray();

        var error = Fails(_kit.Write("mixed.csv", bytes));

        Assert.Equal(line, error.Line);
        Assert.Equal(2, error.Column);
        Assert.Contains("not valid utf-8", error.Message);
    }

    private const int TextEncodingSniff = 4 << 20;

    [Theory]
    [InlineData(',')]
    [InlineData(';')]
    [InlineData('\t')]
    [InlineData('|')]
    public void TheDelimiterIsDetectedFromTheHeaderAndTheLinesAfterIt(char delimiter)
    {
        var d = delimiter.ToString();
        var text = $"name{d}email{d}city\nAnn{d}ann@example.com{d}\"Paris, France\"\nBob{d}bob@example.com{d}Oslo\n";
        var (file, rows) = ReadAll(_kit.Utf8("d.csv", text));
        using (file)
        {
            Assert.Equal(delimiter, file.Delimiter);
            Assert.Equal(["name", "email", "city"], file.Header);
            Assert.Equal(["Ann", "ann@example.com", "Paris, France"], rows[0].Cells);
        }
    }

    [Fact]
    public void ASemicolonFileWithDecimalCommasIsReadBySemicolons()
    {
        var (file, rows) = ReadAll(_kit.Utf8("eu.csv", "name;amount;note\nAnn;3,5;a, b\nBob;12,25;c\n"));
        using (file)
        {
            Assert.Equal(';', file.Delimiter);
            Assert.Equal(["Ann", "3,5", "a, b"], rows[0].Cells);
        }
    }

    [Fact]
    public void ADelimiterNamedInTheOptionsWinsOverDetection()
    {
        var path = _kit.Utf8("d.csv", "a;b;c,d\n1;2;3,4\n");
        var (detected, _) = ReadAll(path);
        using (detected) Assert.Equal(';', detected.Delimiter);

        var (file, rows) = ReadAll(path, new TabularOptions { Delimiter = ',' });
        using (file)
        {
            Assert.Equal(',', file.Delimiter);
            Assert.Equal(["a;b;c", "d"], file.Header);
            Assert.Equal(["1;2;3", "4"], rows[0].Cells);
        }

        var (tabs, tabRows) = ReadAll(_kit.Utf8("t.tsv", "a\tb\n1\t2,3\n"), new TabularOptions { Delimiter = '\t' });
        using (tabs) Assert.Equal(["1", "2,3"], tabRows[0].Cells);
    }

    [Theory]
    [InlineData('§')]
    [InlineData('"')]
    public void ADelimiterThatCannotBeOneIsRefused(char delimiter)
    {
        var error = Fails(_kit.Utf8("d.csv", "a,b\n1,2\n"), new TabularOptions { Delimiter = delimiter });
        Assert.Equal($"'{delimiter}' cannot be a delimiter; use a comma, semicolon, tab or pipe", error.Message);
    }

    [Fact]
    public void QuotedCommasQuotesAndLineBreaksReadBackAndLinesCountAsInAnEditor()
    {
        const string text = "name,\"note, long\",city\r\n"
            + "\"Smith, Ann\",\"She said \"\"hi\"\"\",Paris\r\n"   // line 2
            + "Bob,\"first\r\nsecond\r\nthird\",Oslo\r\n"          // lines 3-5
            + "Cy,\"a\nb\",Rome\r\n"                                 // lines 6-7
            + "Di,plain,Lima\r\n";                                  // line 8
        var (file, rows) = ReadAll(_kit.Utf8("q.csv", text));
        using (file)
        {
            Assert.Equal(["name", "note, long", "city"], file.Header);
            Assert.Equal(["Smith, Ann", "She said \"hi\"", "Paris"], rows[0].Cells);
            Assert.Equal(["Bob", "first\r\nsecond\r\nthird", "Oslo"], rows[1].Cells);
            Assert.Equal(["Cy", "a\nb", "Rome"], rows[2].Cells);
            Assert.Equal(["Di", "plain", "Lima"], rows[3].Cells);
            Assert.Equal([2, 3, 6, 8], rows.Select(r => r.Line));
        }
    }

    [Fact]
    public void AHeaderSpanningLinesStillLeavesTheRowsOnTheirLines()
    {
        var (file, rows) = ReadAll(_kit.Utf8("h.csv", "\"full\nname\",email\nAnn,a@example.com\nBob,b@example.com\n"));
        using (file)
        {
            Assert.Equal(["full\nname", "email"], file.Header);
            Assert.Equal([3, 4], rows.Select(r => r.Line));
        }
    }

    [Fact]
    public void BlankLinesAndATrailingEmptyLineAreSkippedAndLineNumbersStayTrue()
    {
        var (file, rows) = ReadAll(_kit.Utf8("blank.csv", "\n\nname,age\n\nAnn,34\n   \n,\nBob,\n\r\n\n"));
        using (file)
        {
            Assert.Equal(3, file.HeaderLine);
            Assert.Equal(["name", "age"], file.Header);
            Assert.Equal([(5, new[] { "Ann", "34" }), (8, new[] { "Bob", "" })], rows.Select(r => (r.Line, r.Cells)));
        }
    }

    [Fact]
    public void CellsAreNotTrimmedButHeaderNamesAre()
    {
        var (file, rows) = ReadAll(_kit.Utf8("s.csv", " name , email\n  Ann  , a@example.com \n"));
        using (file)
        {
            Assert.Equal(["name", "email"], file.Header);
            Assert.Equal(["  Ann  ", " a@example.com "], rows[0].Cells);
        }
    }

    [Fact]
    public void AQuoteInsideAFieldIsALiteralQuoteAsPandasAndExcelReadIt()
    {
        var (file, rows) = ReadAll(_kit.Utf8("h.csv", "name,height,note\nAnn,5'11\",He said \"hi\" twice\nBob,6',\"ok\"\nCy,a\"\"b,\"x\"\"y\"\n"));
        using (file)
        {
            Assert.Equal(["Ann", "5'11\"", "He said \"hi\" twice"], rows[0].Cells);
            Assert.Equal(["Bob", "6'", "ok"], rows[1].Cells);
            Assert.Equal(["Cy", "a\"\"b", "x\"y"], rows[2].Cells);
            Assert.Equal([2, 3, 4], rows.Select(r => r.Line));
        }
    }

    [Fact]
    public void RowsMayHaveFewerOrMoreCellsThanTheHeaderForTheImporterToReport()
    {
        var (file, rows) = ReadAll(_kit.Utf8("r.csv", "a,b,c\n1\n1,2,3,4\n"));
        using (file)
        {
            Assert.Equal([["1"], ["1", "2", "3", "4"]], rows.Select(r => r.Cells));
        }
    }

    [Fact]
    public void AHeaderOnlyFileHasNoRows()
    {
        var (file, rows) = ReadAll(_kit.Utf8("h.csv", "name,email\r\n"));
        using (file)
        {
            Assert.Equal(["name", "email"], file.Header);
            Assert.Empty(rows);
        }
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 0xEF, 0xBB, 0xBF })]
    [InlineData(new byte[] { (byte)'\r', (byte)'\n', (byte)' ', (byte)'\n' })]
    public void AnEmptyFileIsAnError(byte[] bytes)
    {
        var error = Fails(_kit.Write("empty.csv", bytes));
        Assert.StartsWith("the file is empty", error.Message);
    }

    [Fact]
    public void DuplicateHeaderNamesAreRefusedNamingBothColumns()
    {
        var error = Fails(_kit.Utf8("dup.csv", "name,email,phone,Email\nAnn,a@example.com,1,b@example.com\n"));
        Assert.Equal("line 1: columns 2 and 4 of the header are both named \"Email\"; rename one", error.Message);
        Assert.Equal(1, error.Line);
        Assert.Equal(4, error.Column);
    }

    [Fact]
    public void BlankHeaderNamesBecomeColumnN()
    {
        var (file, rows) = ReadAll(_kit.Utf8("b.csv", "name,,  ,city\nAnn,x,y,Oslo\n"));
        using (file)
        {
            Assert.Equal(["name", "column 2", "column 3", "city"], file.Header);
            Assert.Equal(["Ann", "x", "y", "Oslo"], rows[0].Cells);
        }
    }

    [Fact]
    public void AQuoteNeverClosedIsReportedAtTheLineWhereItOpened()
    {
        var error = Fails(_kit.Utf8("open.csv", "name,note\nAnn,ok\nBob,\"never closed\nCy,more\nDi,end\n"));
        Assert.Equal(3, error.Line);
        Assert.Equal(2, error.Column);
        Assert.Contains("line 3, column 2: a quote opens a field here and is never closed", error.Message);
    }

    [Fact]
    public void AFieldPastTheLimitIsAnErrorNamingWhereItIs()
    {
        var error = Fails(_kit.Utf8("long.csv", "a,b\n1,2\n3," + new string('x', 200) + "\n"), new TabularOptions { MaxFieldChars = 100 });
        Assert.Equal("line 3, column 2: a field is longer than 100 characters", error.Message);

        var quoted = Fails(_kit.Utf8("q.csv", "a,b\n1,\"" + new string('x', 50) + "\n" + new string('y', 60) + "\"\n"), new TabularOptions { MaxFieldChars = 100 });
        Assert.Equal(2, quoted.Line);
        Assert.Contains("runs on for more than 100 characters; a closing quote is probably missing", quoted.Message);
    }

    [Fact]
    public void ARowOfTenThousandColumnsIsRefusedNamingItsLine()
    {
        var wide = string.Join(",", Enumerable.Range(1, 10_000));
        var error = Fails(_kit.Utf8("wide.csv", "a,b\n1,2\n" + wide + "\n3,4\n"));
        Assert.Equal("line 3: the row has 10,000 columns; at most 1,000 are allowed", error.Message);
        Assert.Equal(3, error.Line);

        var header = Fails(_kit.Utf8("wideheader.csv", wide + "\n" + wide + "\n"));
        Assert.Equal(1, header.Line);
    }

    [Fact]
    public void BinaryGarbageIsNotReadAsText()
    {
        var random = new Random(42);
        var bytes = new byte[100_000];
        random.NextBytes(bytes);
        var error = Fails(_kit.Write("garbage.csv", bytes));
        Assert.StartsWith("this is not a text or XLSX file", error.Message);

        // A PNG: few NULs, but no text.
        byte[] png = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, (byte)'I', (byte)'H', (byte)'D', (byte)'R', .. bytes[..500]];
        Assert.StartsWith("this is not a text or XLSX file", Fails(_kit.Write("image.csv", png)).Message);
    }

    [Fact]
    public void ANulCharacterInTextNamedAsUtf8StopsTheReadAtItsLine()
    {
        var bytes = Encoding.UTF8.GetBytes("a,b\n1,2\n3,x\0y\n");
        var error = Fails(_kit.Write("nul.csv", bytes), new TabularOptions { Encoding = "utf-8" });
        Assert.Equal(3, error.Line);
        Assert.Equal(2, error.Column);
        Assert.Contains("NUL character", error.Message);
    }

    [Fact]
    public void AnOldExcelWorkbookIsNamedForWhatItIs()
    {
        byte[] xls = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, .. new byte[600]];
        var error = Fails(_kit.Write("customers.xls", xls));
        Assert.Contains("customers.xls is an old Excel (.xls) workbook", error.Message);
    }

    [Fact]
    public void PositionGrowsToTheLengthOfTheFileAndRowsCanBeReadOnce()
    {
        var text = new StringBuilder("id,name\n");
        for (var i = 0; i < 20_000; i++) text.Append(i).Append(",name ").Append(i).Append('\n');
        var path = _kit.Utf8("p.csv", text.ToString());
        using var file = TabularFile.Open(path);
        Assert.Equal(new FileInfo(path).Length, file.Length);
        long last = 0;
        var count = 0;
        foreach (var _ in file.ReadRows(Ct))
        {
            Assert.True(file.Position >= last);
            last = file.Position;
            count++;
        }
        Assert.Equal(20_000, count);
        Assert.Equal(file.Length, file.Position);
        Assert.Throws<InvalidOperationException>(() => file.ReadRows(Ct));
    }

    [Fact]
    public void ReadingStopsWhenCancelled()
    {
        using var file = TabularFile.Open(_kit.Utf8("c.csv", "a\n1\n2\n3\n"));
        using var cancelled = new CancellationTokenSource();
        var rows = file.ReadRows(cancelled.Token).GetEnumerator();
        Assert.True(rows.MoveNext());
        cancelled.Cancel();
        Assert.Throws<OperationCanceledException>(() => rows.MoveNext());
    }

    [Fact]
    public void AStreamThatCannotSeekReadsLikeAFile()
    {
        using var upload = new ForwardOnlyStream(Encoding.UTF8.GetBytes("name;city\nAnn;Oslo\n"));
        using var file = TabularFile.Open(upload, "upload.csv");
        Assert.Equal(0, file.Length);
        Assert.Equal(';', file.Delimiter);
        Assert.Equal(["Ann", "Oslo"], Assert.Single(file.ReadRows(Ct)).Cells);
    }

    [Fact]
    public void AMissingFileIsAnErrorNamingIt()
    {
        var error = Assert.Throws<TabularFileException>(() => TabularFile.Open(Path.Combine(_kit.Folder, "nope.csv")));
        Assert.Contains("nope.csv", error.Message);
    }
}

/// <summary>An upload: read forward only, length unknown.</summary>
internal sealed class ForwardOnlyStream(byte[] bytes) : MemoryStream(bytes)
{
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override long Seek(long offset, SeekOrigin loc) => throw new NotSupportedException();
}
