using Kith.Core.Privacy;

namespace Kith.Core.Audit;

/// <summary>
/// The audit trail keeps its entries about an erased person (the chain must verify) but loses the key to their sealed
/// details, so the old and new values of their record are gone for good. The entries stay in the audit export.
/// </summary>
internal sealed class AuditPersonalData : IPersonalDataPart
{
    public Task ExportAsync(PersonalDataExport export, CancellationToken ct) => Task.CompletedTask;

    public Task EraseAsync(PersonalDataErasure erasure, CancellationToken ct)
    {
        var ids = string.Join(",", erasure.Subject.CustomerIds.Select(i => $"'{i.ToString(System.Globalization.CultureInfo.InvariantCulture)}'"));
        return erasure.ExecAsync("audit keys", "audit_subject_keys",
            $"DELETE FROM audit_subject_keys WHERE target_type = '{AuditSubjectKey.Customer}' AND target_id IN ({ids})", ct);
    }
}
