using Kith.Core.Privacy;

namespace Kith.Core.History;

/// <summary>Who changed which field of the person's record from what to what: the history holds their old values.</summary>
internal sealed class HistoryPersonalData : IPersonalDataPart
{
    private static string Where(PersonalDataSubject s) => $"entity_type = '{ChangeLog.CustomerEntity}' AND entity_id IN ({s.IdList})";

    public async Task ExportAsync(PersonalDataExport export, CancellationToken ct)
    {
        await export.AddRowsAsync("history", $"SELECT * FROM record_changes WHERE {Where(export.Subject)} ORDER BY at, id", ct);
        // Changes of a field hidden from the reader are left out, as in the history they read.
        export.Section("history").RemoveAll(row => row["field"] is string field && export.IsHidden(field));
        SensitiveFields.SealedRows.OpenHistory(export.Db, export.Section("history"));
    }

    public Task EraseAsync(PersonalDataErasure erasure, CancellationToken ct) =>
        erasure.ExecAsync("history", "record_changes", $"DELETE FROM record_changes WHERE {Where(erasure.Subject)}", ct);
}
