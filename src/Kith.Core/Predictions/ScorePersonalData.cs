using Kith.Core.Privacy;

namespace Kith.Core.Predictions;

/// <summary>The person's scores: churn risk and expected value (predictions), and their RFM cell (analytics).</summary>
internal sealed class ScorePersonalData : IPersonalDataPart
{
    public async Task ExportAsync(PersonalDataExport export, CancellationToken ct)
    {
        var ids = export.Subject.IdList;
        await export.AddRowsAsync("scores", $"SELECT * FROM customer_scores WHERE customer_id IN ({ids})", ct);
        await export.AddRowsAsync("rfm", $"SELECT * FROM customer_rfm WHERE customer_id IN ({ids})", ct);
    }

    public async Task EraseAsync(PersonalDataErasure erasure, CancellationToken ct)
    {
        var ids = erasure.Subject.IdList;
        await erasure.ExecAsync("scores", "customer_scores", $"DELETE FROM customer_scores WHERE customer_id IN ({ids})", ct);
        await erasure.ExecAsync("rfm", "customer_rfm", $"DELETE FROM customer_rfm WHERE customer_id IN ({ids})", ct);
    }
}
