using System.Text;
using Kith.Core.Exporting;
using MiniExcelLibs;
using nietras.SeparatedValues;

namespace Kith.Core.Tests.Exporting;

/// <summary>Writes tables with <see cref="TableWriter"/> and reads them back with the libraries other tools use: Sep for CSV, MiniExcel for XLSX.</summary>
internal static class TableFiles
{
    public static byte[] Write(ExportFormat format, IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string?>> rows, bool bom = true)
    {
        using var output = new MemoryStream();
        using (var writer = TableWriter.Create(output, format, bom))
        {
            writer.WriteHeader(header);
            foreach (var row in rows) writer.WriteRow(row);
            writer.Complete();
        }
        return output.ToArray();
    }

    public static async Task<byte[]> WriteAsync(ExportFormat format, IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string?>> rows, bool bom = true)
    {
        using var output = new MemoryStream();
        await using (var writer = TableWriter.Create(output, format, bom))
        {
            await writer.WriteHeaderAsync(header);
            foreach (var row in rows) await writer.WriteRowAsync(row);
            await writer.CompleteAsync();
        }
        return output.ToArray();
    }

    /// <summary>Every row of the file, header first, each cell as text.</summary>
    public static List<string[]> Read(ExportFormat format, byte[] file) => format == ExportFormat.Csv ? ReadCsv(file) : ReadXlsx(file);

    public static List<string[]> ReadCsv(byte[] file)
    {
        using var reader = Sep.New(',').Reader(o => o with { HasHeader = false, Unescape = true, DisableColCountCheck = true })
            .From(new MemoryStream(file));
        var rows = new List<string[]>();
        foreach (var row in reader)
        {
            var cells = new string[row.ColCount];
            for (var i = 0; i < cells.Length; i++) cells[i] = row[i].ToString();
            rows.Add(cells);
        }
        return rows;
    }

    public static List<string[]> ReadXlsx(byte[] file)
    {
        using var stream = new MemoryStream(file);
        return MiniExcel.Query(stream, useHeaderRow: false, excelType: ExcelType.XLSX)
            .Cast<IDictionary<string, object?>>()
            .Select(row => row.Values.Select(v => v?.ToString() ?? "").ToArray())
            .ToList();
    }

    public static string Text(byte[] file) => new UTF8Encoding(false).GetString(file);
}

/// <summary>Random text with what breaks CSV and spreadsheets: quotes, commas, line breaks, CJK, formula prefixes.</summary>
internal static class HostileStrings
{
    private static readonly string[] s_pieces =
    [
        "\"", "'", ",", ";", "\n", "\r\n", "\r", "\t", " ", "=", "+", "-", "@", "=SUM(A1:A9)", "+1", "-2", "@cmd", "''",
        "王", "小明", "张伟", "上海市", "😀", "é", "a", "B", "z", "0", "42", "3.14", "\\", "|", "_x0041_", "null", "NaN", "#N/A",
    ];

    public static IEnumerable<string> Generate(int seed, int count, int maxPieces = 8)
    {
        var random = new Random(seed);
        for (var n = 0; n < count; n++)
        {
            var sb = new StringBuilder();
            var pieces = random.Next(0, maxPieces + 1);
            for (var p = 0; p < pieces; p++) sb.Append(s_pieces[random.Next(s_pieces.Length)]);
            yield return sb.ToString();
        }
    }
}
