using Kith.Core.Privacy;

namespace Kith.Core.Purchases;

internal sealed class PurchasePersonalData : IPersonalDataPart
{
    public Task ExportAsync(PersonalDataExport export, CancellationToken ct) =>
        export.AddRowsAsync("purchases", $"SELECT * FROM purchases WHERE customer_id IN ({export.Subject.IdList}) ORDER BY ordered_at, id", ct);

    public Task EraseAsync(PersonalDataErasure erasure, CancellationToken ct) =>
        erasure.ExecAsync("purchases", "purchases", $"DELETE FROM purchases WHERE customer_id IN ({erasure.Subject.IdList})", ct);
}
