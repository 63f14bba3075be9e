using System.IO.Compression;
using System.Xml;
using static System.FormattableString;

namespace Kith.Core.Importing.Files;

/// <summary>
/// Refuses a workbook whose imported sheet holds a formula without its computed value. Excel and LibreOffice store each
/// formula's last result beside it, and that result is what MiniExcel reads; a workbook written by a program that does
/// not compute formulas (a script, a report generator) stores none, and every such cell would read as empty, so an
/// email or amount made by a formula would be lost without a word. Only the sheet that is imported (the workbook's
/// first) is read, and only when <see cref="XlsxGuard"/>'s scan saw a formula in it.
/// </summary>
internal static class XlsxFormulas
{
    private const string Main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
    private const string Relationships = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

    public static void Check(ZipArchive zip, IReadOnlySet<string> partsWithFormulas)
    {
        if (partsWithFormulas.Count == 0) return;
        var sheet = FirstSheet(zip);
        if (sheet is null || !partsWithFormulas.Contains(sheet)) return;
        using var part = zip.GetEntry(sheet)!.Open();
        using var reader = XmlReader.Create(part, Settings);
        while (reader.Read())
        {
            if (reader.NodeType != XmlNodeType.Element || reader.LocalName != "c" || reader.NamespaceURI != Main || reader.IsEmptyElement) continue;
            var reference = reader.GetAttribute("r");
            var type = reader.GetAttribute("t");
            string? formula = null;
            string? value = null;
            var inline = false;
            using (var cell = reader.ReadSubtree())
            {
                cell.Read();
                cell.Read();
                while (!cell.EOF)
                {
                    if (cell.NodeType == XmlNodeType.Element && cell.NamespaceURI == Main)
                    {
                        // Reading an element's content moves past it, onto the next node: no Read() after it.
                        if (cell.LocalName == "f") { formula = cell.ReadElementContentAsString(); continue; }
                        if (cell.LocalName == "v") { value = cell.ReadElementContentAsString(); continue; }
                        if (cell.LocalName == "is") inline = true;
                    }
                    cell.Read();
                }
            }
            // An empty stored result is a formula's real answer only when it is text (="" gives t="str" and an empty v).
            var computed = inline || value is { Length: > 0 } || value is not null && type is "str" or "inlineStr";
            if (formula is null || computed) continue;
            var (row, column) = Locate(reference);
            var shown = formula.Length == 0 ? "" : $" (={(formula.Length > 40 ? formula[..40] + "…" : formula)})";
            throw new TabularFileException(Invariant(
                $"cell {reference} holds a formula{shown} without its computed value, so it would read as empty; the program that wrote this file did not compute its formulas. Open it in Excel or LibreOffice, save it, and import it again"),
                row, column);
        }
    }

    private static readonly XmlReaderSettings Settings = new() { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, IgnoreWhitespace = true };

    /// <summary>The part of the workbook's first sheet (as MiniExcel reads it): the first &lt;sheet&gt; of
    /// xl/workbook.xml, through its relationship in xl/_rels/workbook.xml.rels.</summary>
    private static string? FirstSheet(ZipArchive zip)
    {
        string? id = null;
        using (var workbook = zip.GetEntry("xl/workbook.xml")?.Open())
        {
            if (workbook is null) return null;
            using var reader = XmlReader.Create(workbook, Settings);
            while (reader.Read())
            {
                if (reader.NodeType == XmlNodeType.Element && reader.LocalName == "sheet" && reader.NamespaceURI == Main)
                {
                    id = reader.GetAttribute("id", Relationships);
                    break;
                }
            }
        }
        if (id is null) return null;
        using var rels = zip.GetEntry("xl/_rels/workbook.xml.rels")?.Open();
        if (rels is null) return null;
        using var relations = XmlReader.Create(rels, Settings);
        while (relations.Read())
        {
            if (relations.NodeType != XmlNodeType.Element || relations.LocalName != "Relationship" || relations.GetAttribute("Id") != id) continue;
            var target = relations.GetAttribute("Target");
            if (target is null) return null;
            return target.StartsWith('/') ? target[1..] : "xl/" + target;
        }
        return null;
    }

    /// <summary>"B12" is row 12, column 2.</summary>
    private static (int? Row, int? Column) Locate(string? reference)
    {
        if (reference is null) return (null, null);
        var letters = 0;
        while (letters < reference.Length && char.IsAsciiLetterUpper(reference[letters])) letters++;
        var column = XlsxRowSource.ColumnIndex(reference[..letters]);
        int? row = int.TryParse(reference.AsSpan(letters), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var r) ? r : null;
        return (row, column >= 0 ? column + 1 : null);
    }
}
