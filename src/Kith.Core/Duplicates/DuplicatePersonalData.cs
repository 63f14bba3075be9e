using Kith.Core.Privacy;

namespace Kith.Core.Duplicates;

/// <summary>Duplicate pairs naming the person, and merges of their records (a merge keeps the survivor's old values).</summary>
internal sealed class DuplicatePersonalData : IPersonalDataPart
{
    public async Task ExportAsync(PersonalDataExport export, CancellationToken ct)
    {
        var ids = export.Subject.IdList;
        await export.AddRowsAsync("duplicate_pairs", $"SELECT * FROM duplicate_pairs WHERE customer_id IN ({ids}) OR other_customer_id IN ({ids}) ORDER BY id", ct);
        if (!export.Scope.Fields.IsOpen)
            foreach (var pair in export.Section("duplicate_pairs"))
                pair["reasons"] = string.Join("; ", DuplicateQueries.SplitReasons(pair["reasons"] as string ?? "", export.Scope.Fields));
        await export.AddRowsAsync("merges", $"SELECT * FROM customer_merges WHERE survivor_id IN ({ids}) OR merged_id IN ({ids}) ORDER BY id", ct);
        foreach (var merge in export.Section("merges")) merge["survivor_before"] = export.WithoutHidden(merge["survivor_before"] as string);
    }

    public async Task EraseAsync(PersonalDataErasure erasure, CancellationToken ct)
    {
        var ids = erasure.Subject.IdList;
        await erasure.ExecAsync("duplicate_pairs", "duplicate_pairs", $"DELETE FROM duplicate_pairs WHERE customer_id IN ({ids}) OR other_customer_id IN ({ids})", ct);
        await erasure.ExecAsync("merges", "customer_merges", $"DELETE FROM customer_merges WHERE survivor_id IN ({ids}) OR merged_id IN ({ids})", ct);
    }
}
