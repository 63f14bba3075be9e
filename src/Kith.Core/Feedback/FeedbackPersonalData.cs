using Kith.Core.Privacy;

namespace Kith.Core.Feedback;

/// <summary>The person's satisfaction answers and comments, and the surveys sent to their address.</summary>
internal sealed class FeedbackPersonalData : IPersonalDataPart
{
    public async Task ExportAsync(PersonalDataExport export, CancellationToken ct)
    {
        await export.AddRowsAsync("feedback", $"SELECT * FROM feedback WHERE customer_id IN ({export.Subject.IdList}) ORDER BY answered_at, id", ct);
        // The token hash opens nothing once answered or expired, but it is not the person's business either.
        await export.AddRowsAsync("surveys",
            $"SELECT id, customer_id, communication_id, kind, agent_id, language, sent_to, sent_at, expires_at, answered_at, feedback_id " +
            $"FROM feedback_surveys WHERE customer_id IN ({export.Subject.IdList}) ORDER BY sent_at, id", ct);
        // A survey went to the customer's email: not shown to a reader whose role hides it.
        if (export.IsHidden("email"))
            foreach (var survey in export.Section("surveys")) survey.Remove("sent_to");
    }

    public async Task EraseAsync(PersonalDataErasure erasure, CancellationToken ct)
    {
        await erasure.ExecAsync("feedback", "feedback", $"DELETE FROM feedback WHERE customer_id IN ({erasure.Subject.IdList})", ct);
        await erasure.ExecAsync("surveys", "feedback_surveys", $"DELETE FROM feedback_surveys WHERE customer_id IN ({erasure.Subject.IdList})", ct);
    }
}
