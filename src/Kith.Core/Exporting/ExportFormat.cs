using Kith.Core.Infrastructure;

namespace Kith.Core.Exporting;

/// <summary>The file formats a list exports to.</summary>
public enum ExportFormat { Csv, Xlsx }

public static class ExportFormats
{
    public const string XlsxContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    public const string CsvContentType = "text/csv; charset=utf-8";

    public static string Extension(this ExportFormat format) => format == ExportFormat.Csv ? ".csv" : ".xlsx";

    public static string ContentType(this ExportFormat format) => format == ExportFormat.Csv ? CsvContentType : XlsxContentType;

    /// <summary>"csv" or "xlsx" in any case; null or empty is CSV. Anything else is a rule violation naming <paramref name="field"/>.</summary>
    public static ExportFormat Parse(string? text, string field = "format") => (text ?? "").Trim().ToLowerInvariant() switch
    {
        "" or "csv" => ExportFormat.Csv,
        "xlsx" => ExportFormat.Xlsx,
        _ => throw RuleViolation.Field(field, $"'{text}' is not an export format; use csv or xlsx."),
    };

    /// <summary>The format a file name's extension names (.csv, .xlsx), or null when it names neither.</summary>
    public static ExportFormat? FromFileName(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".csv" => ExportFormat.Csv,
        ".xlsx" => ExportFormat.Xlsx,
        _ => null,
    };
}
