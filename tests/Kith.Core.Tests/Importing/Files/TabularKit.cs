using System.IO.Compression;
using System.Text;
using Kith.Core.Importing.Files;

namespace Kith.Core.Tests.Importing.Files;

/// <summary>A temporary folder for generated files, and ways to write the files the tabular tests read.</summary>
public sealed class TabularKit : IDisposable
{
    static TabularKit() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    public string Folder { get; } = Directory.CreateTempSubdirectory("kith-tabular-").FullName;

    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    public string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(Folder, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    public string Write(string name, string text, Encoding encoding, bool bom = false)
    {
        var bytes = encoding.GetBytes(text);
        return Write(name, bom ? [.. encoding.GetPreamble(), .. bytes] : bytes);
    }

    public string Utf8(string name, string text) => Write(name, text, new UTF8Encoding(false));

    public static (TabularFile File, List<TabularRow> Rows) ReadAll(string path, TabularOptions? options = null)
    {
        var file = TabularFile.Open(path, options);
        return (file, file.ReadRows(Ct).ToList());
    }

    public static TabularFileException Fails(string path, TabularOptions? options = null) =>
        Assert.Throws<TabularFileException>(() =>
        {
            using var file = TabularFile.Open(path, options);
            foreach (var _ in file.ReadRows(Ct)) { }
        });

    /// <summary>
    /// A workbook written part by part, so a test controls what MiniExcel would never write: row gaps, a DOCTYPE, a
    /// missing part. <paramref name="sheetData"/> goes inside &lt;sheetData&gt;.
    /// </summary>
    public string Workbook(string name, string sheetData, string? doctype = null, Action<ZipArchive>? more = null, bool withWorkbook = true,
        string[]? sharedStrings = null)
    {
        var path = Path.Combine(Folder, name);
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            Part(zip, "[Content_Types].xml", """<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>""");
            Part(zip, "_rels/.rels", """<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>""");
            if (withWorkbook)
            {
                Part(zip, "xl/workbook.xml", """<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>""");
            }
            Part(zip, "xl/_rels/workbook.xml.rels", """<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>"""
                + (sharedStrings is null ? "" : """<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>""")
                + "</Relationships>");
            if (sharedStrings is not null)
            {
                // As Excel writes them: text in a shared table, dates as serial numbers styled with a date format (14).
                Part(zip, "xl/sharedStrings.xml", """<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"""
                    + string.Concat(sharedStrings.Select(t => $"<si><t xml:space=\"preserve\">{System.Security.SecurityElement.Escape(t)}</t></si>")) + "</sst>");
                Part(zip, "xl/styles.xml", """<?xml version="1.0" encoding="UTF-8" standalone="yes"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="1"><font/></fonts><fills count="1"><fill/></fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf numFmtId="0"/></cellStyleXfs><cellXfs count="2"><xf numFmtId="0" xfId="0"/><xf numFmtId="14" xfId="0" applyNumberFormat="1"/></cellXfs></styleSheet>""");
            }
            Part(zip, "xl/worksheets/sheet1.xml", """<?xml version="1.0" encoding="UTF-8"?>""" + (doctype ?? "")
                + """<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>""" + sheetData + "</sheetData></worksheet>");
            more?.Invoke(zip);
        }
        return path;
    }

    public static void Part(ZipArchive zip, string name, string text, Encoding? encoding = null)
    {
        using var stream = zip.CreateEntry(name).Open();
        var bytes = (encoding ?? new UTF8Encoding(false)).GetBytes(text);
        stream.Write(bytes);
    }

    /// <summary>An inline-string cell, so a hand-made sheet needs no shared strings part.</summary>
    public static string Cell(string reference, string text) =>
        $"""<c r="{reference}" t="inlineStr"><is><t>{System.Security.SecurityElement.Escape(text)}</t></is></c>""";

    public void Dispose()
    {
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // a file still open on a failed test; the temp folder is cleaned by the system
        }
    }
}
