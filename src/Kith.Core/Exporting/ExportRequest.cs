namespace Kith.Core.Exporting;

/// <summary>
/// What to export: a list as the user sees it (search <paramref name="Q"/>, <paramref name="Filter"/> in the filter
/// language, <paramref name="Sort"/>), the <paramref name="Columns"/> to write (field keys as in the importer, such
/// as <c>email</c> or <c>customFields.vip_level</c>; <c>cf.vip_level</c> is accepted too; null for every importable
/// field with <c>id</c> first), the file format, and for CSV whether it starts with a UTF-8 byte order mark.
/// </summary>
public sealed record ExportRequest(
    string? Q = null,
    string? Filter = null,
    string? Sort = null,
    IReadOnlyList<string>? Columns = null,
    ExportFormat Format = ExportFormat.Csv,
    bool Bom = true)
{
    /// <summary>"a, b,c" as the API and the command line take it; empty means every column.</summary>
    public static IReadOnlyList<string>? SplitColumns(string? columns)
    {
        if (string.IsNullOrWhiteSpace(columns)) return null;
        return columns.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
    }
}

/// <summary>
/// How far an export is: rows written, and the list's total when it is known. <paramref name="TotalIsEstimate"/>
/// is true when the list engine estimated the total (above <see cref="Listing.ListEngine.CountCap"/> matches), so
/// a progress bar should say "about".
/// </summary>
public sealed record ExportProgress(long Rows, long Total, bool TotalIsEstimate)
{
    /// <summary>0–100, or null when only an estimate is known; never above 100 (an estimate can be low).</summary>
    public int? Percent => TotalIsEstimate || Total <= 0 ? null : (int)Math.Min(100, Rows * 100 / Total);
}
