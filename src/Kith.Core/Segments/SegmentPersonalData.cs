using Kith.Core.Privacy;

namespace Kith.Core.Segments;

/// <summary>Which segments the person is in, and when they entered and left them.</summary>
internal sealed class SegmentPersonalData : IPersonalDataPart
{
    public async Task ExportAsync(PersonalDataExport export, CancellationToken ct)
    {
        var ids = export.Subject.IdList;
        await export.AddRowsAsync("segment_memberships",
            $"SELECT m.customer_id, s.key AS segment, s.name AS segment_name, m.entered_at FROM segment_members m JOIN segments s ON s.id = m.segment_id WHERE m.customer_id IN ({ids}) ORDER BY s.key", ct);
        await export.AddRowsAsync("segment_changes",
            $"SELECT c.customer_id, s.key AS segment, c.entered, c.at FROM segment_changes c JOIN segments s ON s.id = c.segment_id WHERE c.customer_id IN ({ids}) ORDER BY c.at, c.id", ct);
    }

    public async Task EraseAsync(PersonalDataErasure erasure, CancellationToken ct)
    {
        var ids = erasure.Subject.IdList;
        await erasure.ExecAsync("segment_memberships", "segment_members", $"DELETE FROM segment_members WHERE customer_id IN ({ids})", ct);
        await erasure.ExecAsync("segment_changes", "segment_changes", $"DELETE FROM segment_changes WHERE customer_id IN ({ids})", ct);
    }
}
