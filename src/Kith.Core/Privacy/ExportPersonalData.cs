using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using Kith.Core.Exporting;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;

namespace Kith.Core.Privacy;

/// <summary>
/// Everything Kith holds about one person, as a zip: personal-data.json (one document, every kind), one CSV per kind,
/// and the attachment files under attachments/. Each feature contributes through its <see cref="IPersonalDataPart"/>.
/// </summary>
public sealed class ExportPersonalData(KithDb db, IEnumerable<IPersonalDataPart> parts, DatabaseOptions database, TimeProvider clock)
{
    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Gathers the data (404 when the customer is out of reach) and writes the zip to a temporary file, returned open at its start.</summary>
    public async Task<Stream> HandleAsync(AccessScope scope, long customerId, CancellationToken ct)
    {
        var subject = await PersonalDataSubjects.LoadAsync(db, scope, customerId, includeDeleted: false, ct);
        var export = new PersonalDataExport(db, scope, subject, database.DataDirectory);
        foreach (var part in parts) await part.ExportAsync(export, ct);

        var file = new FileStream(Path.GetTempFileName(), FileMode.Open, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        try
        {
            await WriteZipAsync(export, file, ct);
            file.Position = 0;
            return file;
        }
        catch
        {
            await file.DisposeAsync();
            throw;
        }
    }

    private async Task WriteZipAsync(PersonalDataExport export, Stream output, CancellationToken ct)
    {
        await using var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true);
        var document = new Dictionary<string, object?>
        {
            ["customerId"] = export.Subject.CustomerId,
            ["exportedAt"] = clock.GetUtcNow().UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
            ["exportedByUserId"] = export.Scope.UserId,
            ["data"] = export.Sections,
            ["files"] = export.Files.Select(f => f.Name).ToList(),
        };
        await using (var entry = await zip.CreateEntry("personal-data.json").OpenAsync(ct))
            await JsonSerializer.SerializeAsync(entry, document, s_json, ct);
        foreach (var (kind, rows) in export.Sections)
        {
            await using var entry = await zip.CreateEntry(kind + ".csv").OpenAsync(ct);
            await using var table = TableWriter.Create(entry, ExportFormat.Csv);
            var columns = rows.SelectMany(r => r.Keys).Distinct().ToList();
            await table.WriteHeaderAsync(columns.Count == 0 ? ["(none)"] : columns, ct);
            foreach (var row in rows) await table.WriteRowAsync(columns.Select(c => Cell(row.GetValueOrDefault(c))).ToList(), ct);
            await table.CompleteAsync(ct);
        }
        foreach (var (name, path) in export.Files)
        {
            if (!File.Exists(path)) continue;
            await using var entry = await zip.CreateEntry(name).OpenAsync(ct);
            await using var source = File.OpenRead(path);
            await source.CopyToAsync(entry, ct);
        }
    }

    private static string? Cell(object? value) => value switch
    {
        null => null,
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };
}
