using System.Text.Json;
using Kith.Core.History;
using Kith.Core.Privacy;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Importing;

/// <summary>
/// Import reports holding the person's values: the before-images an import kept to revert its changes, rejected rows
/// whose cells hold their email, phone, external id or name, and uploaded files that hold their email, phone or external
/// id (removed on erasure; the import's report stays).
/// </summary>
internal sealed class ImportPersonalData : IPersonalDataPart
{
    private static string Changes(PersonalDataSubject s) => $"entity_type = '{ChangeLog.CustomerEntity}' AND entity_id IN ({s.IdList})";

    /// <summary>Cells are stored as a JSON array, so a value is looked for exactly as the serializer wrote it, quotes included.</summary>
    private static List<string> Needles(PersonalDataSubject s) =>
        s.Emails.Concat(s.Phones).Concat(s.ExternalIds).Concat(s.Names).Select(v => "%" + JsonSerializer.Serialize(v).ToLowerInvariant() + "%").ToList();

    private static string Rejections(PersonalDataSubject s, int count, Func<IReadOnlyList<string>, int, string> p)
    {
        if (count == 0) return "1 = 0";
        var list = p(Needles(s), 0).Split(',');
        return string.Join(" OR ", list.Select(x => $"LOWER(cells) LIKE {x}"));
    }

    public async Task ExportAsync(PersonalDataExport export, CancellationToken ct)
    {
        var s = export.Subject;
        var needles = Needles(s);
        await export.AddRowsAsync("import_changes", $"SELECT * FROM import_changes WHERE {Changes(s)} ORDER BY id", ct);
        await export.AddRowsAsync("import_rejections", $"SELECT * FROM import_rejections WHERE {Rejections(s, needles.Count, export.Params)} ORDER BY id", ct, [.. needles]);
        foreach (var change in export.Section("import_changes")) change["before"] = export.WithoutHidden(change["before"] as string);
        await HideRejectedCellsAsync(export, ct);
    }

    /// <summary>Cells and reasons of the columns each import mapped to a field hidden from the reader, as in the import's own refused rows.</summary>
    private static async Task HideRejectedCellsAsync(PersonalDataExport export, CancellationToken ct)
    {
        var rows = export.Section("import_rejections");
        if (export.Scope.Fields.IsOpen || rows.Count == 0) return;
        var jobIds = rows.Select(r => Convert.ToInt64(r["import_job_id"], System.Globalization.CultureInfo.InvariantCulture)).Distinct().ToList();
        var jobs = await export.Db.ImportJobs.AsNoTracking().Where(j => jobIds.Contains(j.Id)).ToDictionaryAsync(j => j.Id, ct);
        foreach (var row in rows)
        {
            var job = jobs[Convert.ToInt64(row["import_job_id"], System.Globalization.CultureInfo.InvariantCulture)];
            var columns = JsonSerializer.Deserialize<ImportSummary>(job.Summary, ImportReport.Json)?.Columns;
            var hidden = await ImportFieldAccess.HiddenColumnsAsync(export.Db, export.Scope.Fields, job.Kind, columns, ct);
            if (hidden.Count == 0) continue;
            row["cells"] = JsonSerializer.Serialize(ImportFieldAccess.Blank(JsonSerializer.Deserialize<string[]>(row["cells"] as string ?? "[]") ?? [], hidden));
            if (ImportFieldAccess.HiddenNames(columns, hidden).Contains(row["column"] as string ?? "")) row["message"] = ImportFieldAccess.HiddenReason;
        }
    }

    public async Task EraseAsync(PersonalDataErasure erasure, CancellationToken ct)
    {
        var s = erasure.Subject;
        var needles = Needles(s);
        await erasure.ExecAsync("import_changes", "import_changes", $"DELETE FROM import_changes WHERE {Changes(s)}", ct);
        await erasure.ExecAsync("import_rejections", "import_rejections", $"DELETE FROM import_rejections WHERE {Rejections(s, needles.Count, erasure.Params)}", ct, [.. needles]);
        var identifiers = s.Emails.Concat(s.Phones).Concat(s.ExternalIds).Where(v => v.Length >= 3).ToList();
        if (identifiers.Count == 0) return;
        var finished = new[] { ImportStatus.Completed, ImportStatus.Failed, ImportStatus.Cancelled, ImportStatus.Reverted };
        var uploads = await erasure.Db.ImportJobs.AsNoTracking().Where(j => finished.Contains(j.Status)).Select(j => j.StoredPath).ToListAsync(ct);
        var files = 0;
        foreach (var path in uploads.Where(File.Exists))
        {
            if (!File.ReadLines(path).Any(line => identifiers.Any(v => line.Contains(v, StringComparison.OrdinalIgnoreCase)))) continue;
            erasure.FilesToDelete.Add(path);
            files++;
        }
        erasure.Count("import_files", files);
    }
}
