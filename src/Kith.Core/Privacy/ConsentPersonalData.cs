namespace Kith.Core.Privacy;

internal sealed class ConsentPersonalData : IPersonalDataPart
{
    public Task ExportAsync(PersonalDataExport export, CancellationToken ct) =>
        export.AddRowsAsync("consents", $"SELECT * FROM consents WHERE customer_id IN ({export.Subject.IdList}) ORDER BY at, id", ct);

    public Task EraseAsync(PersonalDataErasure erasure, CancellationToken ct) =>
        erasure.ExecAsync("consents", "consents", $"DELETE FROM consents WHERE customer_id IN ({erasure.Subject.IdList})", ct);
}
