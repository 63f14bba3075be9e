using System.Globalization;
using System.Text;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Core.Importing;
using Microsoft.EntityFrameworkCore;

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
        if (!await TryReadInOrderAsync(scope, columns, rows, total, progress, ct)) await ReadInSqlAsync(scope, columns, rows, total, progress, ct);

        // Custom types after the standard three, by name; a permutation maps stored column numbers to written ones.
        var order = columns.Keys.Take(BehaviorQueries.StandardTypes.Length)
            .Concat(columns.Keys.Skip(BehaviorQueries.StandardTypes.Length).Order(StringComparer.Ordinal)).ToList();
        var slots = order.Select(t => columns[t]).ToArray();
        var numeric = SortLikePandas(rows);

        progress?.Report(new AnalyzeProgress("writing", 0, rows.Count));
        await WriteAsync(output, rows, order, slots, numeric, progress, ct);
        progress?.Report(new AnalyzeProgress("writing", rows.Count, rows.Count));
        return new AnalyzeOutcome(rows.Count, order, caughtUp, System.Diagnostics.Stopwatch.GetElapsedTime(started));
    }

    private async Task ReadInSqlAsync(AccessScope scope, Dictionary<string, int> columns, List<Row> rows, long total, IProgress<AnalyzeProgress>? progress, CancellationToken ct)
    {
        Row? current = null;
        long read = 0;
        // Ordered by customer so each customer's types arrive together and the row is complete when the id changes.
        await Sql.ReadAsync(db, "SELECT t.customer_id, c.external_id, t.type, t.events FROM behavior_totals t JOIN customers c ON c.id = t.customer_id " +
                                $"WHERE c.deleted_at IS NULL{Reach(scope, "c.")} ORDER BY t.customer_id", r =>
        {
            var id = r.GetInt64(0);
            if (current is null || current.Id != id)
            {
                current = new Row(id, r.IsDBNull(1) ? "#" + id.ToString(CultureInfo.InvariantCulture) : r.GetString(1));
                rows.Add(current);
            }
            current.Set(Column(columns, r.GetString(2)), r.GetInt64(3));
            if (++read % 100_000 == 0)
            {
                ct.ThrowIfCancellationRequested();
                progress?.Report(new AnalyzeProgress("reading", read, total));
            }
        }, ct);
    }

    /// <summary>
    /// On SQLite, reads the totals table as stored and the customers' external ids from their index into arrays by
    /// customer id, through direct calls into e_sqlite3 (<see cref="RawStatement"/>): no join, no sort, no row of
    /// customers read (some 700 bytes each). False when the ids are too sparse for arrays or SQLite is another build.
    /// </summary>
    private async Task<bool> TryReadInOrderAsync(AccessScope scope, Dictionary<string, int> columns, List<Row> rows, long total, IProgress<AnalyzeProgress>? progress, CancellationToken ct)
    {
        if (db.Provider != DatabaseProvider.Sqlite || !RawStatement.Available || db.Database.CurrentTransaction is not null) return false;
        await db.Database.OpenConnectionAsync(ct);
        var handle = ((Microsoft.Data.Sqlite.SqliteConnection)db.Database.GetDbConnection()).Handle!;
        using var interrupt = ct.Register(() => SQLitePCL.raw.sqlite3_interrupt(handle));
        long maxId;
        bool externalIndex;
        using (var max = new RawStatement(handle, "SELECT COALESCE(MAX(id), 0), (SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = 'ix_customers_external_id') FROM customers"))
        {
            max.Step();
            (maxId, externalIndex) = (max.Long(0), max.Long(1) > 0);
        }
        if (maxId > 8 * total + 1_000_000 || maxId >= Array.MaxLength / 2) return false;

        var counts = new List<long[]>();
        var counted = new bool[maxId + 1];
        long read = 0;
        using (var totals = new RawStatement(handle, "SELECT customer_id, type, events FROM behavior_totals"))
            while (totals.Step())
            {
                var id = totals.Long(0);
                if ((ulong)id > (ulong)maxId) continue; // the customer is gone; its rows go at the next catch-up
                var column = Column(columns, totals.String(1)!);
                while (counts.Count <= column) counts.Add(new long[maxId + 1]);
                counts[column][id] = totals.Long(2);
                counted[id] = true;
                if (++read % 100_000 == 0)
                {
                    ct.ThrowIfCancellationRequested();
                    progress?.Report(new AnalyzeProgress("reading", read, total));
                }
            }
        using (var deleted = new RawStatement(handle, "SELECT id FROM customers WHERE deleted_at IS NOT NULL"))
            while (deleted.Step()) counted[deleted.Long(0)] = false;
        if (scope.OwnerIds is not null)
        {
            var inReach = new bool[maxId + 1];
            using (var reached = new RawStatement(handle, "SELECT c.id FROM customers c WHERE 1 = 1" + Reach(scope, "c.")))
                while (reached.Step()) inReach[reached.Long(0)] = true;
            for (var id = 0; id <= maxId; id++) counted[id] &= inReach[id];
        }
        // The unique index on external_id holds every customer (NULL too) with its id: a narrow read of all of them.
        using (var customers = new RawStatement(handle, "SELECT id, external_id FROM customers" + (externalIndex ? " INDEXED BY ix_customers_external_id" : "")))
            while (customers.Step())
            {
                var id = customers.Long(0);
                if ((ulong)id > (ulong)maxId || !counted[id]) continue;
                var row = new Row(id, customers.String(1) ?? "#" + id.ToString(CultureInfo.InvariantCulture));
                for (var c = 0; c < counts.Count; c++)
                    if (counts[c][id] is var n and not 0) row.Set(c, n);
                rows.Add(row);
            }
        return true;
    }

    private static string Reach(AccessScope scope, string alias) => scope.OwnerIds is { } owners
        ? owners.Count == 0 ? " AND 1 = 0" : $" AND {alias}owner_id IN ({string.Join(", ", owners.Order().Select(o => o.ToString(CultureInfo.InvariantCulture)))})"
        : "";

    private static int Column(Dictionary<string, int> columns, string type)
    {
        if (!columns.TryGetValue(type, out var column)) columns[type] = column = columns.Count;
        return column;
    }

    /// <summary>The CSV as UTF-8 bytes, the header then one line per row; numbers formatted straight into the buffer.</summary>
    private static async Task WriteAsync(Stream output, List<Row> rows, List<string> order, int[] slots, bool numeric, IProgress<AnalyzeProgress>? progress, CancellationToken ct)
    {
        var buffer = new byte[1 << 16];
        var used = 0;
        Put(string.Join(",", order.Prepend("customer_id").Select(Quote)) + "\n");
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            // Integer ids are written as they are (Quote leaves them alone); anything else made safe and quoted.
            Put(numeric ? row.ExternalId : Quote(row.ExternalId));
            foreach (var slot in slots)
            {
                if (buffer.Length - used < 32) await FlushAsync();
                buffer[used++] = (byte)',';
                row.Get(slot).TryFormat(buffer.AsSpan(used), out var written, default, CultureInfo.InvariantCulture);
                used += written;
            }
            if (used == buffer.Length) await FlushAsync();
            buffer[used++] = (byte)'\n';
            if (used > buffer.Length - 4096) await FlushAsync();
            if (i % 100_000 == 99_999)
            {
                ct.ThrowIfCancellationRequested();
                progress?.Report(new AnalyzeProgress("writing", i + 1, rows.Count));
            }
        }
        await FlushAsync();

        void Put(string text)
        {
            var bytes = Encoding.UTF8.GetByteCount(text);
            if (bytes > buffer.Length - used)
            {
                output.Write(buffer, 0, used);
                used = 0;
                if (bytes > buffer.Length) Array.Resize(ref buffer, bytes * 2);
            }
            used += Encoding.UTF8.GetBytes(text, buffer.AsSpan(used));
        }

        async Task FlushAsync()
        {
            await output.WriteAsync(buffer.AsMemory(0, used), ct);
            used = 0;
        }
    }

    /// <summary>
    /// pandas reads a column of integers as int64 and sorts it numerically; any other column as text, ordinally.
    /// True when every id was an integer.
    /// </summary>
    private static bool SortLikePandas(List<Row> rows)
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
        return numeric;
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
