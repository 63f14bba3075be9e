using Kith.Core.Infrastructure;
using Kith.Core.Settings;

namespace Kith.Core.Importing;

/// <summary>
/// How a customer or company row's kithId (Settings/KithIds.cs) finds its record (ADR-0052): one of this install names
/// the live record in reach it was exported from, or refuses the row (line and column in the report); one of another
/// install is counted and the row matches by its other keys.
/// </summary>
internal sealed class KithIdMatch(string noun)
{
    /// <summary>This install's mark (null only in a database the initializer has not set up).</summary>
    private string? _mark;
    /// <summary>The line each kithId of this install was first met on in this run.</summary>
    private readonly Dictionary<long, int> _lines = [];

    public async Task PrepareAsync(KithDb db, CancellationToken ct) => _mark = await KithIds.ReadMarkAsync(db, ct);

    /// <summary>The stored id a row's kithId names when it is this install's (not yet checked), else null: to load the record with its batch.</summary>
    public long? Own(ImportRow row) =>
        _mark is not null && row.Text(KithIds.Field) is { } text && KithIds.TryParse(text, out var id, out var mark) && mark == _mark ? id : null;

    /// <summary>
    /// The live record in reach a row's kithId names, when matching by kithId: null when the row has none, or one of
    /// another install (counted). Refuses what is no Kith id, one of this install that names no live record in reach
    /// (<paramref name="isLive"/>), and one met on an earlier line.
    /// </summary>
    public long? Target(ImportRun run, ImportRow row, Func<long, bool> isLive)
    {
        if (!run.Options.MatchBy.Contains(KithIds.Field) || row.Text(KithIds.Field) is not { } text) return null;
        var column = run.Column(KithIds.Field);
        if (!KithIds.TryParse(text, out var id, out var mark)) throw new RowRejected(column, KithIds.NotAKithId(text));
        if (mark != _mark)
        {
            run.ForeignKithIds++;
            return null;
        }
        if (_lines.TryGetValue(id, out var first))
            throw new RowRejected(column, $"The Kith id '{text}' appears again; it was first on line {first}.");
        if (!isLive(id))
            throw new RowRejected(column,
                $"No {noun} in your reach has the Kith id '{text}': it was deleted, merged into another, or is outside your reach. Empty the cell to import the row as a new {noun}, or matched by its other keys.");
        _lines[id] = row.Line;
        return id;
    }

    /// <summary>The field a resumed job reads its committed lines' kithIds from: only when rows match by kithId.</summary>
    public static string? CommittedField(ImportRun run) => run.Options.MatchBy.Contains(KithIds.Field) ? KithIds.Field : null;

    /// <summary>
    /// A kithId on a line a resumed job committed before its stop: one of this install naming a live record in reach
    /// was matched there (<see cref="Target"/>), so the same kithId later in the file is refused as in one run.
    /// </summary>
    public void RememberCommitted(int line, string cell, Func<long, bool> isLive)
    {
        if (KithIds.TryParse(cell.Trim(), out var id, out var mark) && mark == _mark && isLive(id)) _lines.TryAdd(id, line);
    }

    /// <summary>Refuses a row whose external id differs from that of the record its kithId names (a file mixed up, or edited by hand).</summary>
    public static void EnsureSameExternalId(ImportRun run, ImportRow row, string noun, string? recordExternalId, string? rowExternalId)
    {
        if (rowExternalId is not null && recordExternalId is not null && recordExternalId != rowExternalId)
            throw new RowRejected(run.Column(KithIds.Field),
                $"The Kith id '{row.Text(KithIds.Field)}' is the {noun} with the external id '{recordExternalId}', not '{rowExternalId}'.");
    }

    /// <summary>Refuses a row whose external id is another record's than the one its kithId names.</summary>
    public static RowRejected ExternalIdOfAnother(ImportRun run, ImportRow row, string noun, string ext) =>
        new(run.Column("externalId"), $"The external id '{ext}' is another {noun}'s than the one with the Kith id '{row.Text(KithIds.Field)}'.");
}
