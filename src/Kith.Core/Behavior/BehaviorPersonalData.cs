using Kith.Core.Privacy;

namespace Kith.Core.Behavior;

/// <summary>
/// What the person did: their events, events still waiting for them under their email or external id, and the
/// per-day and all-time rollups (the behaviour summary) counted from those events.
/// </summary>
internal sealed class BehaviorPersonalData : IPersonalDataPart
{
    private static string Pending(PersonalDataSubject s, Func<IReadOnlyList<string>, int, string> list) =>
        $"(reference_kind = '{EventReference.Email}' AND reference_value IN ({list(s.Emails, 0)})) OR " +
        $"(reference_kind = '{EventReference.ExternalId}' AND reference_value IN ({list(s.ExternalIds, s.Emails.Count)}))";

    private static object?[] PendingArgs(PersonalDataSubject s) => [.. s.Emails, .. s.ExternalIds];

    public async Task ExportAsync(PersonalDataExport export, CancellationToken ct)
    {
        // A reader whose role hides behaviour sees none of it, as on the timeline.
        if (export.IsHidden("behavior")) return;
        var s = export.Subject;
        await export.AddRowsAsync("behavior_events", $"SELECT * FROM behavior_events WHERE customer_id IN ({s.IdList}) ORDER BY occurred_at, id", ct);
        await export.AddRowsAsync("pending_events", $"SELECT * FROM pending_events WHERE {Pending(s, export.Params)} ORDER BY occurred_at, id", ct, PendingArgs(s));
        // A pending event waits under the person's email or external id.
        export.Section("pending_events").RemoveAll(e => e["reference_kind"] is string kind && export.IsHidden(kind));
        await export.AddRowsAsync("behavior_summary", $"SELECT * FROM behavior_totals WHERE customer_id IN ({s.IdList}) ORDER BY type", ct);
        await export.AddRowsAsync("behavior_days", $"SELECT * FROM behavior_days WHERE customer_id IN ({s.IdList}) ORDER BY day, type", ct);
    }

    public async Task EraseAsync(PersonalDataErasure erasure, CancellationToken ct)
    {
        var s = erasure.Subject;
        await erasure.ExecAsync("behavior_events", "behavior_events", $"DELETE FROM behavior_events WHERE customer_id IN ({s.IdList})", ct);
        await erasure.ExecAsync("pending_events", "pending_events", $"DELETE FROM pending_events WHERE {Pending(s, erasure.Params)}", ct, PendingArgs(s));
        await erasure.ExecAsync("behavior_summary", "behavior_totals", $"DELETE FROM behavior_totals WHERE customer_id IN ({s.IdList})", ct);
        await erasure.ExecAsync("behavior_days", "behavior_days", $"DELETE FROM behavior_days WHERE customer_id IN ({s.IdList})", ct);
        await erasure.ExecAsync("behavior_stale", "behavior_stale", $"DELETE FROM behavior_stale WHERE customer_id IN ({s.IdList})", ct);
    }
}
