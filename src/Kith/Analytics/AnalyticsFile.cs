using Kith.Core.Analytics;
using Kith.Core.Exporting;
using Kith.Core.Infrastructure;

namespace Kith.Analytics;

/// <summary>
/// How an analysis answers: JSON by default, or its <see cref="AnalyticsTable"/> as a CSV or XLSX file
/// (format=csv|xlsx), the CSV with the UTF-8 byte order mark unless bom=false, as the list exports name it. Both
/// are checked before the analysis runs, so a mistake is a plain 400 naming the parameter. The analytics and
/// feedback endpoints share it.
/// </summary>
internal sealed record AnalyticsFile(ExportFormat? Format, bool Bom)
{
    public const string FormatText = "json (default), csv or xlsx: the result as JSON, or its table as a file.";
    public const string BomText = Kith.Exporting.ExportEndpoints.BomText;

    public static AnalyticsFile Parse(string? format, string? bom)
    {
        ExportFormat? chosen = (format ?? "").Trim().ToLowerInvariant() switch
        {
            "" or "json" => null,
            "csv" => ExportFormat.Csv,
            "xlsx" => ExportFormat.Xlsx,
            _ => throw RuleViolation.Field("format", $"format must be json, csv or xlsx, not '{format}'."),
        };
        return new AnalyticsFile(chosen, ExportFormats.ParseBom(bom));
    }

    public async Task<IResult> AnswerAsync<T>(T result, Func<AnalyticsTable> table, CancellationToken ct)
    {
        if (Format is not { } format) return TypedResults.Ok(result);
        var t = table();
        return TypedResults.File(await t.BytesAsync(format, Bom, ct), format.ContentType(), t.FileName(format));
    }
}
