using Kith.Core.Identity;
using Kith.Core.Importing.Cleaning;
using Kith.Core.Importing.Files;
using Kith.Core.Infrastructure;
using Kith.Core.Settings;

namespace Kith.Core.Importing;

/// <summary>A field the file could map to, for the mapping step.</summary>
public sealed record ImportFieldInfo(string Key, string Type, bool Required, string? RequiredGroup);

/// <summary>One sample row: the cells as read and, per mapped field, the value after cleaning or the error.</summary>
public sealed record PreviewRow(int Line, IReadOnlyList<string> Cells, IReadOnlyDictionary<string, string?> Values, IReadOnlyList<ImportError> Errors);

/// <summary>What an import of a file would do, before it runs: the mapping, sample rows and a data-quality report.</summary>
public sealed record ImportPreview
{
    public required string Format { get; init; }
    public required string Encoding { get; init; }
    public required string Delimiter { get; init; }
    public required IReadOnlyList<MappedColumn> Columns { get; init; }
    /// <summary>
    /// Columns named after a field the user's role may read but not change, with that field: not imported. Starting
    /// the import refuses them unless they are ignored (<c>map=COLUMN=-</c>).
    /// </summary>
    public IReadOnlyList<MappedColumn> ReadOnlyColumns { get; init; } = [];
    public required IReadOnlyList<ImportFieldInfo> Fields { get; init; }
    public required IReadOnlyList<string> Problems { get; init; }
    public required IReadOnlyList<PreviewRow> Sample { get; init; }
    /// <summary>Rows the quality report looked at (the first <see cref="PreviewImport.ScanRows"/> of the file).</summary>
    public long RowsScanned { get; init; }
    public bool ScannedWholeFile { get; init; }
    public long RowsRejected { get; init; }
    public long RowsFlagged { get; init; }
    /// <summary>Per field, how many values each cleaning rule touched, and how many were missing or refused.</summary>
    public required IReadOnlyDictionary<string, IReadOnlyDictionary<string, long>> Cleaning { get; init; }
    /// <summary>The first refused rows with line, column and reason.</summary>
    public required IReadOnlyList<ImportError> Errors { get; init; }
}

/// <summary>
/// Reads the head of a file the way the import would: detects format, encoding and delimiter, maps the header, and
/// cleans the first rows, so the user sees every rule and every refusal before anything is stored.
/// </summary>
public sealed class PreviewImport(KithDb db)
{
    public const int SampleRows = 20;
    public const int ScanRows = 10_000;

    public async Task<ImportPreview> HandleAsync(ImportKind kind, string path, ImportOptions options, AccessScope scope, CancellationToken ct)
    {
        scope.EnsureCanCreate();
        options.Validate();
        var region = (options.Region ?? await new WorkspaceSettings(db).DefaultPhoneRegionAsync(ct)).ToUpperInvariant();
        using var file = TabularFile.Open(path, new TabularOptions { Encoding = options.Encoding, Delimiter = options.Delimiter });
        var mapped = await ImportRunner.MapAsync(db, kind, file.Header, options, scope.Fields, ct);
        // Columns named after a field the role may only read are shown as not importable; the job refuses them unless ignored.
        var readOnly = ImportFieldAccess.ReadOnlyColumns(scope.Fields, kind, mapped);
        var mapping = ImportFieldAccess.Importable(scope.Fields, kind, mapped);
        ImportFieldAccess.EnsureWritable(scope.Fields, kind, mapping, options);
        var cleaner = new RowCleaner(mapping, new ValueCleaner(region, region == "US" ? ["CN"] : ["US"]), options.Missing);
        var stats = cleaner.CreateStats();
        // A column named after a field hidden from the user's role is not imported, and its values are not shown either.
        var hidden = await ImportFieldAccess.HiddenColumnsAsync(db, scope.Fields, kind, mapping.ToMappedColumns(), ct);
        var sample = new List<PreviewRow>();
        var errors = new List<ImportError>();
        long scanned = 0, rejected = 0, flagged = 0;
        var whole = true;
        foreach (var row in file.ReadRows(ct))
        {
            if (scanned == ScanRows)
            {
                whole = false;
                break;
            }
            scanned++;
            var c = cleaner.Clean(row.Line, ImportRunner.Fit(file, row).Cells, stats);
            if (c.Errors.Count > 0)
            {
                rejected++;
                foreach (var e in c.Errors)
                    if (errors.Count < 200) errors.Add(new ImportError(c.Line, e.Column, e.Message));
            }
            else if (c.Flags.Count > 0) flagged++;
            if (sample.Count < SampleRows)
            {
                var values = new Dictionary<string, string?>();
                for (var i = 0; i < cleaner.Fields.Count; i++)
                    if (mapping.IndexOf(cleaner.Fields[i].Key) >= 0) values[cleaner.Fields[i].Key] = Show(c.Values[i]);
                sample.Add(new PreviewRow(c.Line, hidden.Count == 0 ? c.Cells : ImportFieldAccess.Blank(c.Cells, hidden), values, c.Errors.Select(e => new ImportError(c.Line, e.Column, e.Message)).ToList()));
            }
        }
        return new ImportPreview
        {
            Format = file.Format.ToString().ToLowerInvariant(), Encoding = file.EncodingName, Delimiter = Delimiters.Describe(file.Delimiter),
            Columns = mapping.ToMappedColumns(), ReadOnlyColumns = readOnly,
            Fields = mapping.Fields.Select(f => new ImportFieldInfo(f.Key, f.Type.ToString().ToLowerInvariant(), f.Required, f.RequiredGroup)).ToList(),
            Problems = ImportRunner.MissingColumns(kind, mapping, options), Sample = sample, RowsScanned = scanned, ScannedWholeFile = whole,
            RowsRejected = rejected, RowsFlagged = flagged, Cleaning = stats.ToSummary(), Errors = errors,
        };
    }

    private static string? Show(object? value) => value switch
    {
        null => null,
        DateOnly d => d.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        DateTime t => t.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture),
        string[] list => string.Join("; ", list),
        IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };
}
