using Kith.Core.History;
using Kith.Core.Privacy;

namespace Kith.Core.Cases;

/// <summary>The person's service cases, the history of those cases and which communications belong to them.</summary>
internal sealed class CasePersonalData : IPersonalDataPart
{
    private static string Cases(PersonalDataSubject s) => $"SELECT id FROM cases WHERE customer_id IN ({s.IdList})";

    public async Task ExportAsync(PersonalDataExport export, CancellationToken ct)
    {
        await export.AddRowsAsync("cases", $"SELECT * FROM cases WHERE customer_id IN ({export.Subject.IdList}) ORDER BY created_at, id", ct);
        await export.AddRowsAsync("case_history",
            $"SELECT * FROM record_changes WHERE entity_type = '{CaseRules.HistoryEntity}' AND entity_id IN ({Cases(export.Subject)}) ORDER BY at, id", ct);
    }

    public async Task EraseAsync(PersonalDataErasure erasure, CancellationToken ct)
    {
        await erasure.ExecAsync("case history", "record_changes",
            $"DELETE FROM record_changes WHERE entity_type = '{CaseRules.HistoryEntity}' AND entity_id IN ({Cases(erasure.Subject)})", ct);
        // The audit trail's entries on these cases keep their place in the chain but lose the key to their details.
        await erasure.ExecAsync("case audit keys", "audit_subject_keys",
            $"DELETE FROM audit_subject_keys WHERE target_type = '{Audit.AuditSubjectKey.Case}' AND target_id IN (SELECT CAST(id AS TEXT) FROM cases WHERE customer_id IN ({erasure.Subject.IdList}))", ct);
        await erasure.ExecAsync("case links", "case_communications", $"DELETE FROM case_communications WHERE case_id IN ({Cases(erasure.Subject)})", ct);
        await erasure.ExecAsync("cases", "cases", $"DELETE FROM cases WHERE customer_id IN ({erasure.Subject.IdList})", ct);
    }
}
