using Kith.Core.Privacy;

namespace Kith.Core.Tasks;

/// <summary>Tasks about the person (follow-ups, calls to make).</summary>
internal sealed class TaskPersonalData : IPersonalDataPart
{
    public Task ExportAsync(PersonalDataExport export, CancellationToken ct) =>
        export.AddRowsAsync("tasks", $"SELECT * FROM tasks WHERE customer_id IN ({export.Subject.IdList}) ORDER BY created_at, id", ct);

    public Task EraseAsync(PersonalDataErasure erasure, CancellationToken ct) =>
        erasure.ExecAsync("tasks", "tasks", $"DELETE FROM tasks WHERE customer_id IN ({erasure.Subject.IdList})", ct);
}
