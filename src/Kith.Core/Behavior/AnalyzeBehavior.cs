using System.Globalization;
using System.Text;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Core.Importing;

namespace Kith.Core.Behavior;

/// <summary>Where an analysis is: catching the rollup up, then reading the customers' counts, then writing.</summary>
public sealed record AnalyzeProgress(string Phase, long Done, long Total);

/// <summary>What <see cref="AnalyzeBehavior"/> wrote.</summary>
public sealed record AnalyzeOutcome(long Customers, IReadOnlyList<string> Types, TimeSpan CatchUp, TimeSpan Elapsed);

/// <summary>
/// `kith analyze behavior`: the number of events of each type per customer, as CSV: <c>customer_id</c> (the external
/// id), <c>access</c>, <c>like</c>, <c>purchase</c>, then any other types by name. It reads the rollup
/// (<see cref="BehaviorTotal"/>), caught up first, not the events, so it costs one read of the totals.
/// <para>
/// The file is written the way the pandas baseline (seed_pipeline.py) writes processed_behavior_data.csv: only customers
/// with events, ordered by customer id, numerically when every id is an integer (as pandas reads such a column) and
/// ordinally otherwise; counts as integers; "\n" line ends. A merged customer's events count for the one it was merged
/// into. Customers in the bin are left out; a customer without an external id is written as "#" and its Kith id.
/// </para>
/// </summary>
public sealed class AnalyzeBehavior(KithDb db, BehaviorRollup rollup)
{
    public async Task<AnalyzeOutcome> WriteCsvAsync(Stream output, AccessScope scope, IProgress<AnalyzeProgress>? progress, CancellationToken ct)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        progress?.Report(new AnalyzeProgress("catching up", 0, 1));
        await rollup.CatchUpAsync(ct);
        var caughtUp = System.Diagnostics.Stopwatch.GetElapsedTime(started);

        long total = 0;
        await Sql.ReadAsync(db, "SELECT COUNT(*) FROM behavior_totals", r => total = r.GetInt64(0), ct);
        progress?.Report(new AnalyzeProgress("reading", 0, total));

        var columns = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var t in BehaviorQueries.StandardTypes) columns[t] = columns.Count;
        var rows = new List<Row>();
        Row? current = null;
        long read = 0;
        var reach = scope.OwnerIds is { } owners
            ? owners.Count == 0 ? " AND 1 = 0" : $" AND c.owner_id IN ({string.Join(", ", owners.Order().Select(o => o.ToString(CultureInfo.InvariantCulture)))})"
            : "";
        // Ordered by customer so each customer's types arrive together and the row is complete when the id changes.
        await Sql.ReadAsync(db, "SELECT t.customer_id, c.external_id, t.type, t.events FROM behavior_totals t JOIN customers c ON c.id = t.customer_id " +
                                $"WHERE c.deleted_at IS NULL{reach} ORDER BY t.customer_id", r =>
        {
            var id = r.GetInt64(0);
            if (current is null || current.Id != id)
            {
                current = new Row(id, r.IsDBNull(1) ? "#" + id.ToString(CultureInfo.InvariantCulture) : r.GetString(1));
                rows.Add(current);
            }
            var type = r.GetString(2);
            if (!columns.TryGetValue(type, out var column)) columns[type] = column = columns.Count;
            current.Set(column, r.GetInt64(3));
            if (++read % 100_000 == 0)
            {
                ct.ThrowIfCancellationRequested();
                progress?.Report(new AnalyzeProgress("reading", read, total));
            }
        }, ct);

        // Custom types after the standard three, by name; a permutation maps stored column numbers to written ones.
        var order = columns.Keys.Take(BehaviorQueries.StandardTypes.Length)
            .Concat(columns.Keys.Skip(BehaviorQueries.StandardTypes.Length).Order(StringComparer.Ordinal)).ToList();
        var slots = order.Select(t => columns[t]).ToArray();
        SortLikePandas(rows);

        progress?.Report(new AnalyzeProgress("writing", 0, rows.Count));
        await using var writer = new StreamWriter(output, new UTF8Encoding(false), 1 << 16, leaveOpen: true) { NewLine = "\n" };
        await writer.WriteLineAsync(string.Join(",", order.Prepend("customer_id").Select(Quote)));
        var line = new StringBuilder(64);
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            line.Clear().Append(Quote(row.ExternalId));
            foreach (var slot in slots) line.Append(',').Append(row.Get(slot).ToString(CultureInfo.InvariantCulture));
            await writer.WriteLineAsync(line);
            if (i % 100_000 == 99_999)
            {
                ct.ThrowIfCancellationRequested();
                progress?.Report(new AnalyzeProgress("writing", i + 1, rows.Count));
            }
        }
        await writer.FlushAsync(ct);
        progress?.Report(new AnalyzeProgress("writing", rows.Count, rows.Count));
        return new AnalyzeOutcome(rows.Count, order, caughtUp, System.Diagnostics.Stopwatch.GetElapsedTime(started));
    }

    /// <summary>pandas reads a column of integers as int64 and sorts it numerically; any other column as text, ordinally.</summary>
    private static void SortLikePandas(List<Row> rows)
    {
        var numeric = true;
        foreach (var row in rows)
        {
            if (long.TryParse(row.ExternalId, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)) row.Number = n;
            else
            {
                numeric = false;
                break;
            }
        }
        if (numeric) rows.Sort((a, b) => a.Number.CompareTo(b.Number));
        else rows.Sort((a, b) => string.CompareOrdinal(a.ExternalId, b.ExternalId));
    }

    /// <summary>
    /// A CSV field. Text (an external id, a tracked event type, both typed by outsiders) is made formula-safe like every
    /// export (<see cref="Exporting.CellSafety"/>); whole numbers stay as they are, so pandas still reads them as int64.
    /// </summary>
    private static string Quote(string value)
    {
        if (!long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)) value = Exporting.CellSafety.Neutralise(value);
        return value.AsSpan().IndexOfAny(",\"\r\n") < 0 ? value : "\"" + value.Replace("\"", "\"\"") + "\"";
    }

    private sealed class Row(long id, string externalId)
    {
        private long[] _counts = new long[3];
        public long Id { get; } = id;
        public string ExternalId { get; } = externalId;
        public long Number { get; set; }

        public void Set(int column, long count)
        {
            if (column >= _counts.Length) Array.Resize(ref _counts, column + 1);
            _counts[column] = count;
        }

        public long Get(int column) => column < _counts.Length ? _counts[column] : 0;
    }
}
