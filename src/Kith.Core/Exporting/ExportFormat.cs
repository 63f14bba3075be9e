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

    /// <summary>
    /// Whether a CSV starts with the UTF-8 byte order mark: "true" or "1" (or nothing: the default, for Excel), "false"
    /// or "0". Anything else is a rule violation naming <paramref name="field"/>.
    /// </summary>
    public static bool ParseBom(string? text, string field = "bom") => (text ?? "").Trim().ToLowerInvariant() switch
    {
        "" or "true" or "1" => true,
        "false" or "0" => false,
        _ => throw RuleViolation.Field(field, $"{field} must be true or false, not '{text}'."),
    };

    /// <summary>The format a file name's extension names (.csv, .xlsx), or null when it names neither.</summary>
    public static ExportFormat? FromFileName(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".csv" => ExportFormat.Csv,
        ".xlsx" => ExportFormat.Xlsx,
        _ => null,
    };
}
