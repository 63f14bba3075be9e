using System.IO.Compression;
using System.Text;
using Kith.Core.Importing.Files;
using MiniExcelLibs;
using static Kith.Core.Tests.Importing.Files.TabularKit;

namespace Kith.Core.Tests.Importing.Files;

public sealed class TabularXlsxTests : IDisposable
{
    private readonly TabularKit _kit = new();

    public void Dispose() => _kit.Dispose();

    private string Saved(string name, object rows)
    {
        var path = Path.Combine(_kit.Folder, name);
        MiniExcel.SaveAs(path, rows, excelType: ExcelType.XLSX);
        return path;
    }

    [Fact]
    public void TheFirstSheetReadsAsInvariantTextWithSheetRowNumbers()
    {
        var path = Saved("customers.xlsx", new List<Dictionary<string, object?>>
        {
            new() { ["姓名"] = "王小明", ["age"] = 34, ["score"] = 34.5, ["signup"] = new DateTime(2024, 3, 5), ["seen"] = new DateTime(2024, 3, 5, 13, 4, 5), ["vip"] = true, ["phone"] = 13800138000L, ["note"] = null },
            new() { ["姓名"] = "Ann \"Smith\", Jr.", ["age"] = 34.0, ["score"] = 0.1 + 0.2, ["signup"] = null, ["seen"] = null, ["vip"] = false, ["phone"] = 1e21, ["note"] = "a\nb" },
        });

        var (file, rows) = ReadAll(path);
        using (file)
        {
            Assert.Equal(TabularFormat.Xlsx, file.Format);
            Assert.Equal("xlsx", file.EncodingName);
            Assert.Equal(',', file.Delimiter);
            Assert.Equal(["姓名", "age", "score", "signup", "seen", "vip", "phone", "note"], file.Header);
            Assert.Equal(["王小明", "34", "34.5", "2024-03-05", "2024-03-05T13:04:05", "true", "13800138000"], rows[0].Cells);
            Assert.Equal(["Ann \"Smith\", Jr.", "34", "0.30000000000000004", "", "", "false", "1E+21", "a\nb"], rows[1].Cells);
            Assert.Equal([2, 3], rows.Select(r => r.Line));
            Assert.Equal(file.Length, file.Position);
            Assert.Equal(new FileInfo(path).Length, file.Length);
        }
    }

    [Fact]
    public void CellValuesBecomeTheTextAPersonWouldType()
    {
        Assert.Equal("34", XlsxRowSource.Text(34.0));
        Assert.Equal("0", XlsxRowSource.Text(-0.0));
        Assert.Equal("1234567.125", XlsxRowSource.Text(1234567.125));
        Assert.Equal("2.5", XlsxRowSource.Text(2.5m));
        Assert.Equal("2024-03-05", XlsxRowSource.Text(new DateTime(2024, 3, 5)));
        // A serial date's time lands a hair off the second; it is rounded to it.
        Assert.Equal("2024-03-05T13:04:05", XlsxRowSource.Text(new DateTime(2024, 3, 5, 13, 4, 4, 999)));
        Assert.Equal("2024-03-06", XlsxRowSource.Text(new DateTime(2024, 3, 5, 23, 59, 59, 700)));
        Assert.Equal("08:30:00", XlsxRowSource.Text(DateTime.FromOADate(8.5 / 24)));
        Assert.Equal("true", XlsxRowSource.Text(true));
        Assert.Equal("中文", XlsxRowSource.Text("中文"));
    }

    [Fact]
    public void AWorkbookAsExcelWritesItWithSharedStringsAndDateStylesReads()
    {
        var path = _kit.Workbook("excel.xlsx",
            """<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c></row>"""
            + """<row r="2"><c r="A2" t="s"><v>3</v></c><c r="B2" s="1"><v>45356</v></c><c r="C2"><v>34</v></c></row>""",
            sharedStrings: ["姓名", "注册日期", "年龄", "王小明"]);

        var (file, rows) = ReadAll(path);
        using (file)
        {
            Assert.Equal(["姓名", "注册日期", "年龄"], file.Header);
            Assert.Equal(["王小明", "2024-03-05", "34"], Assert.Single(rows).Cells);
        }
    }

    [Fact]
    public void AFormulaReadsAsTheValueItsWorkbookStoredBesideIt()
    {
        var path = _kit.Workbook("computed.xlsx",
            "<row r=\"1\">" + Cell("A1", "age") + Cell("B1", "name") + Cell("C1", "note") + "</row>"
            + """<row r="2"><c r="A2"><f>17*2</f><v>34</v></c><c r="B2" t="str"><f>"Ann"&amp;" Lee"</f><v>Ann Lee</v></c><c r="C2" t="str"><f>""</f><v></v></c></row>""",
            // Another sheet's uncomputed formula is not read, so it refuses nothing.
            more: zip => Part(zip, "xl/worksheets/sheet2.xml", """<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1"><f>1+1</f></c></row></sheetData></worksheet>"""));

        var (file, rows) = ReadAll(path);
        using (file)
            Assert.Equal(["34", "Ann Lee"], Assert.Single(rows).Cells);
    }

    [Theory]
    [InlineData("""<c r="C3"><f>LOWER(B3)</f></c>""")]
    [InlineData("""<c r="C3"><f>LOWER(B3)</f><v></v></c>""")]
    [InlineData("""<c r="C3"><f>LOWER(B3)</f><v/></c>""")]
    public void AFormulaStoredWithoutItsComputedValueRefusesTheFileNamingItsCell(string cell)
    {
        var path = _kit.Workbook("uncomputed.xlsx",
            "<row r=\"1\">" + Cell("A1", "name") + Cell("B1", "raw") + Cell("C1", "email") + "</row>"
            + "<row r=\"2\">" + Cell("A2", "Ann") + Cell("B2", "ANN@X.ORG") + "<c r=\"C2\" t=\"str\"><f>LOWER(B2)</f><v>ann@x.org</v></c></row>"
            + "<row r=\"3\">" + Cell("A3", "Bo") + Cell("B3", "BO@X.ORG") + cell + "</row>");

        var error = Fails(path);
        Assert.Equal((3, 3), (error.Line, error.Column));
        Assert.Contains("cell C3 holds a formula (=LOWER(B3)) without its computed value", error.Message);
        Assert.Contains("Open it in Excel or LibreOffice, save it, and import it again", error.Message);
    }

    [Fact]
    public void LinesAreSheetRowsAndBlankRowsAreSkipped()
    {
        var path = _kit.Workbook("gaps.xlsx",
            "<row r=\"3\">" + Cell("B3", " name ") + Cell("C3", "") + Cell("D3", "city") + "</row>"
            + "<row r=\"5\">" + Cell("B5", "Ann") + "<c r=\"D5\"><v>7</v></c></row>"
            + "<row r=\"6\">" + Cell("B6", "  ") + "</row>"
            + "<row r=\"9\">" + Cell("C9", "x") + "</row>");

        var (file, rows) = ReadAll(path);
        using (file)
        {
            Assert.Equal(3, file.HeaderLine);
            Assert.Equal(["column 1", "name", "column 3", "city"], file.Header);
            Assert.Equal([(5, new[] { "", "Ann", "", "7" }), (9, new[] { "", "", "x" })], rows.Select(r => (r.Line, r.Cells)));
        }
    }

    [Fact]
    public void AWorkbookIsKnownByItsContentNotItsName()
    {
        var xlsx = Saved("real.xlsx", new[] { new { name = "Ann", city = "Oslo" } });
        var renamed = Path.Combine(_kit.Folder, "export.csv");
        File.Move(xlsx, renamed);

        var (file, rows) = ReadAll(renamed);
        using (file)
        {
            Assert.Equal(TabularFormat.Xlsx, file.Format);
            Assert.Equal(["Ann", "Oslo"], Assert.Single(rows).Cells);
        }
    }

    [Fact]
    public void AWorkbookUploadedAsAStreamThatCannotSeekIsRead()
    {
        var path = Saved("upload.xlsx", new[] { new { name = "Ann", city = "Oslo" } });
        using var upload = new ForwardOnlyStream(File.ReadAllBytes(path));
        using var file = TabularFile.Open(upload, "upload.xlsx");
        Assert.Equal(TabularFormat.Xlsx, file.Format);
        Assert.Equal(["name", "city"], file.Header);
        Assert.Equal(["Ann", "Oslo"], Assert.Single(file.ReadRows(Ct)).Cells);
    }

    [Fact]
    public void ARowWiderThanTheLimitIsRefusedNamingItsRow()
    {
        var wide = Enumerable.Range(1, 1_200).ToDictionary(i => $"c{i}", i => (object?)i);
        var error = Fails(Saved("wide.xlsx", new[] { wide }));
        Assert.Equal("row 1: the row has 1,200 columns; at most 1,000 are allowed", error.Message);
        Assert.Equal(1, error.Line);
    }

    [Fact]
    public void ADuplicateHeaderIsRefusedInAWorkbookToo()
    {
        var error = Fails(_kit.Workbook("dup.xlsx", "<row r=\"1\">" + Cell("A1", "email") + Cell("B1", "EMAIL") + "</row>"));
        Assert.Equal("row 1: columns 1 and 2 of the header are both named \"EMAIL\"; rename one", error.Message);
    }

    [Fact]
    public void AZipBombIsRefusedBeforeAnythingInflatesIt()
    {
        // 300 MB of zeros deflate to a few hundred KB: the ratio gives it away without inflating it.
        var path = _kit.Workbook("bomb.xlsx", "<row r=\"1\">" + Cell("A1", "name") + "</row>", more: zip =>
        {
            using var entry = zip.CreateEntry("xl/media/zeros.xml", CompressionLevel.Optimal).Open();
            var zeros = new byte[1 << 20];
            for (var i = 0; i < 300; i++) entry.Write(zeros);
        });
        Assert.True(new FileInfo(path).Length < 5 << 20);

        var error = Fails(path);
        Assert.StartsWith("this XLSX looks like a zip bomb: its part xl/media/zeros.xml is compressed", error.Message);
    }

    [Fact]
    public void AWorkbookThatWouldExpandPastTheLimitIsRefused()
    {
        var rows = Enumerable.Range(0, 5_000).Select(i => new { id = i, name = $"name {i}", email = $"user{i}@example.com" });
        var path = Saved("big.xlsx", rows);

        var error = Fails(path, new TabularOptions { MaxXlsxUncompressedBytes = 100_000 });
        Assert.Equal("this XLSX looks like a zip bomb: it would expand to more than 100,000 bytes", error.Message);
        var (file, read) = ReadAll(path);
        using (file) Assert.Equal(5_000, read.Count);
    }

    [Fact]
    public void APartThatLiesAboutItsSizeIsCutThereAndReadAsDamaged()
    {
        // The zip headers claim the sheet is 64 bytes; it inflates to much more. .NET's zip reader stops at the declared
        // size (the guard counts too), so the declared sizes the bomb check adds up bound what is ever inflated.
        var path = _kit.Workbook("liar.xlsx", "<row r=\"1\">" + Cell("A1", "name") + "</row>" + string.Concat(Enumerable.Repeat("<row><c><v>1</v></c></row>", 20_000)));
        var bytes = File.ReadAllBytes(path);
        var patched = PatchUncompressedSize(bytes, "xl/worksheets/sheet1.xml", 64);
        Assert.True(patched >= 2);

        var error = Fails(_kit.Write("liar2.xlsx", bytes));
        Assert.StartsWith("the XLSX file is damaged and cannot be read", error.Message);
        Assert.Null(error.Line);
    }

    [Fact]
    public void AnXmlPartWithADoctypeIsRefused()
    {
        // The classic external entity: MiniExcel's XmlReader would refuse it too, but it never gets to see it.
        var path = _kit.Workbook("xxe.xlsx", "<row r=\"1\">" + "<c r=\"A1\" t=\"inlineStr\"><is><t>&xxe;</t></is></c>" + "</row>",
            doctype: "<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>");
        var error = Fails(path);
        Assert.Equal("this XLSX is refused: its part xl/worksheets/sheet1.xml declares a DTD (DOCTYPE or ENTITY), which workbooks never need and attacks use", error.Message);
    }

    [Fact]
    public void EntityDeclarationsInAnyPartAreRefusedEvenInUtf16()
    {
        const string laughs = """<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE sst [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&lol2;</t></si></sst>""";
        var utf8 = _kit.Workbook("laughs.xlsx", "<row r=\"1\">" + Cell("A1", "name") + "</row>", more: zip => Part(zip, "xl/sharedStrings.xml", laughs));
        Assert.Contains("xl/sharedStrings.xml declares a DTD", Fails(utf8).Message);

        var utf16 = _kit.Workbook("laughs16.xlsx", "<row r=\"1\">" + Cell("A1", "name") + "</row>",
            more: zip => Part(zip, "xl/sharedStrings.xml", "\uFEFF" + laughs.Replace("UTF-8", "UTF-16"), new UnicodeEncoding(false, false)));
        var error = Fails(utf16);
        Assert.Contains("xl/sharedStrings.xml", error.Message);
        Assert.Contains("DTD", error.Message);
    }

    [Fact]
    public void AZipThatIsNotAWorkbookIsSaidToBeOne()
    {
        var path = Path.Combine(_kit.Folder, "photos.xlsx");
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create)) Part(zip, "readme.txt", "hello");
        Assert.Equal("this is a zip archive but not an XLSX workbook (it has no xl/workbook.xml); save the sheet as .xlsx or CSV", Fails(path).Message);

        Assert.Contains("not an XLSX workbook", Fails(_kit.Workbook("noworkbook.xlsx", "", withWorkbook: false)).Message);
    }

    [Fact]
    public void ADamagedWorkbookIsAnErrorNotACrash()
    {
        // A shared-string cell in a workbook without a shared strings part: MiniExcel throws NullReferenceException.
        var path = _kit.Workbook("damaged.xlsx", "<row r=\"1\">" + Cell("A1", "name") + "</row><row r=\"2\"><c r=\"A2\" t=\"s\"><v>0</v></c></row>");
        var error = Fails(path);
        Assert.Contains("the XLSX file is damaged", error.Message);

        var truncated = File.ReadAllBytes(Saved("whole.xlsx", new[] { new { name = "Ann" } }));
        Assert.Contains("damaged", Fails(_kit.Write("truncated.xlsx", truncated[..(truncated.Length / 2)])).Message);
    }

    /// <summary>Sets the uncompressed size of a zip entry in its local header and central directory record.</summary>
    private static int PatchUncompressedSize(byte[] zip, string name, uint size)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var patched = 0;
        for (var i = 0; i + 46 < zip.Length; i++)
        {
            if (zip[i] == 0x50 && zip[i + 1] == 0x4B && zip[i + 2] == 0x03 && zip[i + 3] == 0x04
                && zip.AsSpan(i + 30, nameBytes.Length).SequenceEqual(nameBytes) && BitConverter.ToUInt16(zip, i + 26) == nameBytes.Length)
            {
                BitConverter.TryWriteBytes(zip.AsSpan(i + 22, 4), size);
                patched++;
            }
            if (zip[i] == 0x50 && zip[i + 1] == 0x4B && zip[i + 2] == 0x01 && zip[i + 3] == 0x02
                && zip.AsSpan(i + 46, nameBytes.Length).SequenceEqual(nameBytes) && BitConverter.ToUInt16(zip, i + 28) == nameBytes.Length)
            {
                BitConverter.TryWriteBytes(zip.AsSpan(i + 24, 4), size);
                patched++;
            }
        }
        return patched;
    }
}
