using System.Runtime.InteropServices;
using Kith.Core.Infrastructure;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Kith.Core.Behavior;

/// <summary>
/// Builds the whole rollup's days and totals on SQLite in ordered passes over the covering index
/// <c>(type, occurred_at, customer_id)</c>, counting in memory, instead of a GROUP BY over every event (ADR-0031).
/// <para>
/// Each pass takes the events of one range of customer ids. Within one type the index hands them over by time, so a
/// customer's events of one day arrive in time order: remembering each customer's current bucket is enough to count
/// the (customer, type, day) buckets with no hash and no sort, and the first and last event of a bucket are its
/// earliest and latest. Only purchase events visit the table, for the amount in their properties, computed by the
/// same SQL expression as the set-based path. The buckets are then put in key order (customer, type, day) by a
/// counting sort on customer, which keeps the index's order of types and days, and written with the totals summed
/// from them, both in key order: appends to the B-trees, 64 rows to an INSERT. The index is walked once per type, so
/// the type is not read for each event. Memory is bounded by the buckets of one pass.
/// </para>
/// <para>
/// Days before the first day any window can still ask for (<see cref="BehaviorQueries.FirstKeptDay"/>) are not written
/// (ADR-0035): a customer's events of one type before it arrive first and together, so they share one bucket that only
/// goes into the totals.
/// </para>
/// <para>
/// The customers' summary columns are set in the same passes: each pass also sums its customers' purchases (one read of
/// the purchases table in its order), and a customer's totals and purchases give their summary, written through the
/// primary key in id order and only where it differs from the stored one (read in the same order). This is the set-based
/// UPDATE of <see cref="BehaviorRollup"/> without its sort of every total and purchase. When the first pass finds most
/// summaries changing (after a bulk import), the customers' behaviour indexes are dropped for the writes and created
/// again at the end: one sort each instead of a million random updates to seven B-trees (ADR-0035).
/// </para>
/// <para>
/// A timestamp not in the form Kith stores (<c>yyyy-MM-dd HH:mm:ss[.FFFFFFF]</c>), a missing index, customer ids too
/// sparse for arrays, or another SQLite build answers false before anything is written or after a pass; the caller
/// then clears what was written and counts in SQL.
/// </para>
/// </summary>
internal sealed class BuildRollup
{
    /// <summary>Buckets per pass: about 48 bytes each and 4 of ordering, so some 200 MB at most.</summary>
    internal static long BucketsPerPass { get; set; } = 4_000_000;

    private const string Index = "ix_behavior_events_type_occurred_at_customer_id";
    /// <summary>A pass's customer range is an array of this many ints at most.</summary>
    private const long MaxRange = 64_000_000;
    /// <summary>A pass sums its customers' purchases in an array of this many entries at most, else the caller sets the summaries.</summary>
    private const long MaxSummaryRange = 4_000_000;
    private const string SummaryColumns = "behavior_first_seen_at, behavior_last_seen_at, behavior_last_purchase_at, behavior_visits, behavior_likes, " +
                                          "behavior_purchases, behavior_revenue_micros";
    private static readonly byte[] s_access = "access"u8.ToArray(), s_like = "like"u8.ToArray(), s_purchase = "purchase"u8.ToArray();

    private readonly sqlite3 _db;
    private readonly IProgress<RollupProgress>? _progress;
    private readonly long _total;
    /// <summary>The day number of the first day written to behavior_days; earlier events count in the totals only.</summary>
    private readonly int _keptFrom;
    private readonly List<byte[]> _types = [];
    /// <summary>Every type in the index, in its order: each pass walks the index once per type.</summary>
    private List<byte[]> _scanTypes = [];
    private readonly byte[] _text = new byte[1024];
    private readonly byte[] _day = new byte[10];
    private Bucket[] _buckets;
    /// <summary>The summary of each customer of the pass, by offset.</summary>
    private Summary[] _summaries = [];
    /// <summary>The pass's buckets in key order (<see cref="Order"/>), where each customer's begin, and the kind of each type.</summary>
    private int[] _order = [], _starts = [];
    private Kind[] _kinds = [];
    private int _count;
    private long _read;

    /// <summary>The bucket day of events before the kept days: one bucket per customer and type, never written as a day.</summary>
    private const int Earlier = int.MinValue;

    private BuildRollup(sqlite3 db, long total, int keptFrom, int capacity, IProgress<RollupProgress>? progress)
    {
        (_db, _total, _keptFrom, _progress) = (db, total, keptFrom, progress);
        _buckets = new Bucket[capacity];
    }

    /// <summary>
    /// Writes behavior_days from <paramref name="keptFrom"/> on and behavior_totals (both empty before) from the events up
    /// to <paramref name="highEvent"/>, or answers false (see the class). <paramref name="amountSql"/> is the amount of
    /// event <c>e</c> in micros, or NULL.
    /// </summary>
    /// <param name="summarized">The customers' summary columns were set too (else the caller sets them).</param>
    /// <param name="chunks">
    /// Null: the caller's transaction holds the writer throughout. Otherwise the build runs outside any transaction of
    /// the caller and holds the writer only to write (ADR-0044): it counts each pass in a read transaction, then writes
    /// the pass in transactions of at most <see cref="Chunks.Rows"/> rows, each replacing the rollup of one range of
    /// customer ids; the last also sets the watermarks and ends the rebuild. <paramref name="highEvent"/> is then read
    /// in the first read transaction.
    /// </param>
    /// <param name="indexesAfter">
    /// The customers' behaviour indexes this build drops are not created again in the caller's transaction but recorded
    /// (<see cref="AsidePrefix"/>): the caller creates them after its commit with <see cref="BuildSetAside"/> (ADR-0046).
    /// </param>
    public static bool TryBuild(SqliteConnection connection, long highEvent, DateOnly keptFrom, string amountSql, IProgress<RollupProgress>? progress,
        CancellationToken ct, out long events, out bool summarized, Chunks? chunks = null, bool indexesAfter = false)
    {
        events = 0;
        summarized = false;
        if (!RawStatement.Available) return false;
        var handle = connection.Handle ?? throw new InvalidOperationException("The connection is not open.");
        using var interrupt = ct.Register(() => raw.sqlite3_interrupt(handle));
        try
        {
            if (chunks is not null)
            {
                chunks.Begin(handle, write: false);
                using var high = new RawStatement(handle, "SELECT (SELECT COALESCE(MAX(id), 0) FROM behavior_events), (SELECT COALESCE(MAX(id), 0) FROM purchases)");
                high.Step();
                (highEvent, chunks.HighPurchase) = (high.Long(0), high.Long(1));
                chunks.HighEvent = highEvent;
            }
            using (var index = new RawStatement(handle, $"SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = '{Index}'"))
                if (!index.Step()) return false;
            long min, max;
            // The customers of events and purchases; one MIN or MAX each, so that each is one step down an index.
            using (var range = new RawStatement(handle, "SELECT (SELECT MIN(customer_id) FROM behavior_events), (SELECT MAX(customer_id) FROM behavior_events), " +
                                                        "(SELECT MIN(customer_id) FROM purchases), (SELECT MAX(customer_id) FROM purchases)"))
            {
                // No events: the caller sets the summaries from the purchases (in chunks: in SQL, in one transaction).
                if (!range.Step() || range.IsNull(0)) return chunks is null;
                (min, max) = (range.Long(0), range.Long(1));
                if (!range.IsNull(2)) (min, max) = (Math.Min(min, range.Long(2)), Math.Max(max, range.Long(3)));
            }
            // Each pass reads the whole index (its customers are spread over it), so passes are as few as memory allows.
            var buckets = MostBuckets(handle, max - min + 1, keptFrom, highEvent, out var types);
            if (buckets < 0) return false;
            var passes = Math.Max(1, (buckets + BucketsPerPass - 1) / BucketsPerPass);
            var step = (max - min + passes) / passes;
            if (step > MaxRange) return false;
            summarized = step <= MaxSummaryRange;
            if (chunks is not null && !summarized) return false;

            // A pass holds about its share of the buckets (ids spread evenly); the array grows if it holds more.
            var perPass = buckets / passes;
            var build = new BuildRollup(handle, highEvent, keptFrom.DayNumber, (int)Math.Min(Array.MaxLength / 2, perPass + perPass / 8 + 1024), progress)
            {
                _scanTypes = types,
            };
            // One walk of the index per type (in the index's order of types): the type is then not read for each event.
            using var scan = new RawStatement(handle,
                "SELECT e.occurred_at, e.customer_id, " + amountSql + $" FROM behavior_events e INDEXED BY {Index} " +
                "WHERE e.type = ?4 AND e.customer_id >= ?1 AND e.customer_id < ?2 AND e.id <= ?3 ORDER BY e.occurred_at");
            using var days = new Rows(handle, build._types, "behavior_days (customer_id, type, day, events, first_at, last_at, amount_events, amount_micros)", true);
            using var totals = new Rows(handle, build._types, "behavior_totals (customer_id, type, events, first_at, last_at, amount_events, amount_micros)", false);
            // Read in table order: through the (customer, time) index each purchase's amount would be a random read.
            using var purchases = new RawStatement(handle, "SELECT customer_id, ordered_at, amount_micros FROM purchases NOT INDEXED WHERE customer_id >= ?1 AND customer_id < ?2");
            using var stored = new RawStatement(handle, $"SELECT id, {SummaryColumns} FROM customers WHERE id >= ?1 AND id < ?2");
            using var summary = new RawStatement(handle, "UPDATE customers SET behavior_first_seen_at = ?2, behavior_last_seen_at = ?3, behavior_last_purchase_at = ?4, " +
                                                         "behavior_visits = ?5, behavior_likes = ?6, behavior_purchases = ?7, behavior_revenue_micros = ?8 WHERE id = ?1");
            List<(string Name, string Sql)>? dropped = null;
            var built = true;
            // When every pass's customers fit one array (at L a million ids, 24 MB), their purchases are summed in one
            // read of the table for all passes, rather than one read of every purchase per pass.
            var once = summarized && max - min < MaxSummaryRange;
            Purchases[]? all = null;
            for (var from = min; from <= max && built; from += step)
            {
                var to = Math.Min(max + 1, from + step);
                chunks?.Begin(handle, write: false);
                built = build.Count(scan, from, to, highEvent, ct);
                var bought = !built || !summarized ? null : once ? all ??= build.SumPurchases(purchases, min, max + 1) : build.SumPurchases(purchases, from, to);
                built = built && (bought is not null || !summarized);
                if (!built) break;
                build.Order(to - from, bought is not null);
                if (chunks is not null)
                {
                    chunks.Commit(handle); // the end of the pass's reading: the writes below take the writer one range at a time
                    if (!build.WriteInChunks(chunks, days, totals, bought!, once ? from - min : 0, stored, summary, from, to, first: from == min, last: to == max + 1,
                            ref events))
                        return false;
                    continue;
                }
                events += build.Write(days, totals, bought, once ? from - min : 0, from, 0, (int)(to - from));
                if (bought is null) continue;
                var changed = build.Compare(stored, from, from, to);
                if (from == min && changed * passes > CustomerCount(handle) / 2) dropped = DropIndexes(handle);
                build.WriteChanged(summary, from, 0, (int)(to - from));
            }
            // On failure they are created here: the caller's fallback writes into them. An exception rolls the drop (and
            // the record) back with the rest.
            if (dropped is not null && built && indexesAfter) RecordAside(handle, dropped);
            else if (dropped is not null) CreateIndexes(handle, dropped);
            return built;
        }
        catch (SqliteException e) when (e.SqliteErrorCode == raw.SQLITE_INTERRUPT)
        {
            throw new OperationCanceledException(ct);
        }
        finally
        {
            // A chunked build that stops (false, an exception) leaves no transaction open; what it committed stays
            // marked as a rebuild in progress, which the next catch-up does again.
            chunks?.Rollback(handle);
        }
    }

    /// <summary>
    /// Writes the counted pass (customers from..to) in transactions of at most <see cref="Chunks.Rows"/> rows: each
    /// replaces the days, totals and summaries of a range of customer ids (the first range of the build reaches down to
    /// every id below, the last up to every id above). Returns false when another rebuild took over (the token is gone).
    /// </summary>
    private bool WriteInChunks(Chunks chunks, Rows days, Rows totals, Purchases[] bought, long boughtAt, RawStatement stored,
        RawStatement summary, long from, long to, bool first, bool last, ref long events)
    {
        var customers = (int)(to - from);
        using var deleteDays = new RawStatement(_db, "DELETE FROM behavior_days WHERE customer_id >= ?1 AND customer_id < ?2");
        using var deleteTotals = new RawStatement(_db, "DELETE FROM behavior_totals WHERE customer_id >= ?1 AND customer_id < ?2");
        // Customers left with neither events nor purchases (see BehaviorRollup's rebuild): their summary is cleared.
        using var clear = new RawStatement(_db, BehaviorRollup.ClearSummariesLeft("customers", "id >= ?1 AND id < ?2"));
        for (var c0 = 0; c0 < customers;)
        {
            // The next range: at most Rows buckets (days and totals are fewer) and Rows customers.
            var c1 = c0 + 1;
            while (c1 < customers && c1 - c0 < chunks.Rows && _starts[c1 + 1] - _starts[c0] <= chunks.Rows) c1++;
            var (low, high) = (first && c0 == 0 ? long.MinValue : from + c0, last && c1 == customers ? long.MaxValue : from + c1);
            chunks.Begin(_db, write: true);
            var started = System.Diagnostics.Stopwatch.GetTimestamp(); // held from here (the wait for the writer aside)
            if (!chunks.StillOurs(_db)) return false;
            foreach (var delete in new[] { deleteDays, deleteTotals })
                Run(delete, low, high);
            events += Write(days, totals, bought, boughtAt, from, c0, c1);
            Compare(stored, from, from + c0, from + c1);
            WriteChanged(summary, from, c0, c1);
            Run(clear, low, high);
            if (last && c1 == customers) chunks.Finish(_db);
            chunks.Commit(_db);
            chunks.Written(System.Diagnostics.Stopwatch.GetElapsedTime(started));
            c0 = c1;
        }
        return true;

        static void Run(RawStatement statement, long low, long high)
        {
            statement.Reset();
            statement.BindLong(1, low);
            statement.BindLong(2, high);
            statement.StepDone();
        }
    }

    /// <summary>
    /// At most how many buckets the build fills: one per event, and never more than one per customer and type for the
    /// events before the kept days (they share one bucket) plus one per event of the kept days. After an import of
    /// history (L: 10,000,000 events, 3 types, none recent) that is 3,000,000, one pass instead of three. The types
    /// are found by stepping down the index, the recent events counted over its tail of each type; -1 when a type is
    /// not text.
    /// </summary>
    private static long MostBuckets(sqlite3 handle, long customers, DateOnly keptFrom, long highEvent, out List<byte[]> types)
    {
        types = [];
        using (var first = new RawStatement(handle, $"SELECT MIN(type), typeof(MIN(type)) FROM behavior_events INDEXED BY {Index}"))
        using (var next = new RawStatement(handle, $"SELECT MIN(type), typeof(MIN(type)) FROM behavior_events INDEXED BY {Index} WHERE type > ?1"))
        {
            // The type's bytes as stored: the passes look each one up by them, so only text (a blob would not be found).
            for (var row = first; row.Step() && row.TextPointer(0, out var length) is var text && text != IntPtr.Zero; row = next)
            {
                if (row.String(1) != "text") return -1;
                var type = new byte[length];
                Marshal.Copy(text, type, 0, length);
                types.Add(type);
                next.Reset();
                next.BindText(1, type);
            }
        }
        var bound = customers * Math.Max(1, types.Count);
        using var recent = new RawStatement(handle, $"SELECT COUNT(*) FROM (SELECT 1 FROM behavior_events INDEXED BY {Index} WHERE type = ?1 AND occurred_at >= ?2 LIMIT ?3)");
        foreach (var type in types)
        {
            if (bound >= highEvent) break;
            recent.Reset();
            recent.BindText(1, type);
            recent.BindText(2, keptFrom.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
            recent.BindLong(3, highEvent);
            if (recent.Step()) bound += recent.Long(0);
        }
        return Math.Min(highEvent, bound);
    }

    /// <summary>
    /// Counts the buckets of customers from..to (exclusive), one walk of the index per type in the index's order (so the
    /// buckets come in the order of one walk by type then time); false on a timestamp in another form. A type gets its
    /// number in the pass at its first event.
    /// </summary>
    private bool Count(RawStatement scan, long from, long to, long highEvent, CancellationToken ct)
    {
        var current = new int[to - from]; // 1 + the index of each customer's latest bucket, 0 for none
        _count = 0;
        _types.Clear();
        var rows = 0;
        foreach (var name in _scanTypes)
        {
            scan.Reset();
            scan.BindLong(1, from);
            scan.BindLong(2, to);
            scan.BindLong(3, highEvent);
            scan.BindText(4, name);
            if (!CountType(scan, name, from, current, ref rows, ct)) return false;
        }
        _read += rows;
        _progress?.Report(new RollupProgress(_read, _total));
        return true;
    }

    private bool CountType(RawStatement scan, byte[] name, long from, int[] current, ref int rows, CancellationToken ct)
    {
        var type = -1;
        var (lastDay, dayTicks, bucketDay) = (-1, 0L, 0);
        while (scan.Step())
        {
            if ((++rows & 0xFFFF) == 0)
            {
                ct.ThrowIfCancellationRequested();
                _progress?.Report(new RollupProgress(_read + rows, _total));
            }
            if (type < 0)
            {
                _types.Add(name);
                type = _types.Count - 1;
            }
            var length = scan.Text(0, _text);
            // Consecutive events mostly share a day: its date is parsed once.
            if (lastDay < 0 || !_text.AsSpan(0, 10).SequenceEqual(_day))
            {
                if (!StoredTime.TryDay(_text, length, out dayTicks)) return false;
                _text.AsSpan(0, 10).CopyTo(_day);
                lastDay = (int)(dayTicks / TimeSpan.TicksPerDay);
                bucketDay = lastDay < _keptFrom ? Earlier : lastDay;
            }
            if (!StoredTime.TryTimeOfDay(_text, length, out var timeOfDay)) return false;
            var at = dayTicks + timeOfDay;
            var offset = scan.Long(1) - from;
            var hasAmount = !scan.IsNull(2);
            var amount = hasAmount ? scan.Long(2) : 0;

            var i = current[offset] - 1;
            if (i >= 0 && _buckets[i].Type == type && _buckets[i].Day == bucketDay)
            {
                ref var b = ref _buckets[i];
                b.Events++;
                b.Last = at;
                if (hasAmount)
                {
                    b.AmountEvents++;
                    b.AmountMicros = RevenueSums.Add(b.AmountMicros, amount);
                }
                continue;
            }
            if (_count == _buckets.Length) Array.Resize(ref _buckets, _buckets.Length + _buckets.Length / 2);
            _buckets[_count] = new Bucket
            {
                Offset = (int)offset, Type = type, Day = bucketDay, Events = 1, First = at, Last = at,
                AmountEvents = hasAmount ? 1 : 0, AmountMicros = amount,
            };
            current[offset] = ++_count;
        }
        return true;
    }

    /// <summary>
    /// Sums the purchases of customers from..to (exclusive) by customer: how many, their amount and the latest; null on
    /// a time in another form.
    /// </summary>
    private Purchases[]? SumPurchases(RawStatement purchases, long from, long to)
    {
        var bought = new Purchases[to - from];
        purchases.Reset();
        purchases.BindLong(1, from);
        purchases.BindLong(2, to);
        while (purchases.Step())
        {
            var length = purchases.Text(1, _text);
            if (!StoredTime.TryDay(_text, length, out var day) || !StoredTime.TryTimeOfDay(_text, length, out var time)) return null;
            ref var p = ref bought[purchases.Long(0) - from];
            p.Count++;
            p.Micros = RevenueSums.Add(p.Micros, purchases.Long(2));
            p.Last = Math.Max(p.Last, day + time);
        }
        return bought;
    }

    /// <summary>Puts the counted buckets of a pass over <paramref name="customers"/> customers in key order (see <see cref="Write"/>).</summary>
    private void Order(long customers, bool summaries)
    {
        if (summaries) _summaries = new Summary[customers];
        // Counting sort by customer: stable, so each customer's buckets keep the scan's order, by type then day.
        _starts = new int[customers + 1];
        for (var i = 0; i < _count; i++) _starts[_buckets[i].Offset + 1]++;
        for (var c = 1; c < _starts.Length; c++) _starts[c] += _starts[c - 1];
        var next = (int[])_starts.Clone();
        _order = new int[_count];
        for (var i = 0; i < _count; i++) _order[next[_buckets[i].Offset]++] = i;
        _kinds = _types.Select(t => t.AsSpan().SequenceEqual(s_access) ? Kind.Access : t.AsSpan().SequenceEqual(s_like) ? Kind.Like
            : t.AsSpan().SequenceEqual(s_purchase) ? Kind.Purchase : Kind.Other).ToArray();
    }

    /// <summary>
    /// Writes the buckets <see cref="Order"/> put in key order, of the pass's customers at offsets c0..c1 (exclusive),
    /// and their totals, and when <paramref name="bought"/> is given sums each customer's summary from them and it (the
    /// pass's first customer at <paramref name="boughtAt"/>); returns the number of events they hold.
    /// </summary>
    private long Write(Rows days, Rows totals, Purchases[]? bought, long boughtAt, long from, int c0, int c1)
    {
        var (order, kinds) = (_order, _kinds);
        long events = 0;
        var k = _starts[c0];
        for (var customer = c0; customer < c1; customer++)
        {
            var s = new Summary { First = long.MaxValue, Last = long.MinValue, LastPurchase = long.MinValue };
            for (; k < order.Length && _buckets[order[k]].Offset == customer;)
            {
                var first = _buckets[order[k]];
                var total = new Bucket { Offset = first.Offset, Type = first.Type, First = first.First };
                long totalEvents = 0;
                for (; k < order.Length && _buckets[order[k]].Offset == first.Offset && _buckets[order[k]].Type == first.Type; k++)
                {
                    var b = _buckets[order[k]];
                    totalEvents += b.Events;
                    total.Last = b.Last;
                    total.AmountEvents += b.AmountEvents;
                    total.AmountMicros = RevenueSums.Add(total.AmountMicros, b.AmountMicros);
                    if (b.Day == Earlier) continue;
                    days.Add(new Row
                    {
                        Customer = from + b.Offset, Type = b.Type, Day = b.Day, Events = b.Events, First = b.First, Last = b.Last,
                        AmountEvents = b.AmountEvents, AmountMicros = b.AmountMicros,
                    });
                }
                totals.Add(new Row
                {
                    Customer = from + total.Offset, Type = total.Type, Events = totalEvents, First = total.First, Last = total.Last,
                    AmountEvents = total.AmountEvents, AmountMicros = total.AmountMicros,
                });
                events += totalEvents;

                s.First = Math.Min(s.First, total.First);
                s.Last = Math.Max(s.Last, total.Last);
                switch (kinds[total.Type])
                {
                    case Kind.Access: s.Visits += totalEvents; break;
                    case Kind.Like: s.Likes += totalEvents; break;
                    case Kind.Purchase: s.LastPurchase = Math.Max(s.LastPurchase, total.Last); break;
                }
                s.Purchases += total.AmountEvents;
                s.Revenue = RevenueSums.Add(s.Revenue, total.AmountMicros);
            }
            if (bought is null) continue;
            var p = bought[boughtAt + customer];
            if (s.First == long.MaxValue && p.Count == 0) continue; // neither events nor purchases: the caller clears these
            s.Purchases += p.Count;
            s.Revenue = RevenueSums.Add(s.Revenue, p.Micros);
            if (p.Count > 0) s.LastPurchase = Math.Max(s.LastPurchase, p.Last);
            s.Has = true;
            _summaries[customer] = s;
        }
        days.Flush();
        totals.Flush();
        return events;
    }

    /// <summary>A row of behavior_days, or of behavior_totals (no day), as <see cref="Rows"/> writes it.</summary>
    private struct Row
    {
        public long Customer, Events, First, Last, AmountMicros;
        public int Type, Day, AmountEvents;
    }

    /// <summary>
    /// Inserts rows of behavior_days or behavior_totals in the order they are added, <see cref="Batch"/> to a statement
    /// (one step and reset for many rows), the rest one by one at <see cref="Flush"/>.
    /// </summary>
    private sealed class Rows : IDisposable
    {
        private const int Batch = 64;
        private readonly RawStatement _one, _many;
        private readonly List<byte[]> _types;
        private readonly bool _days;
        private readonly int _columns;
        private readonly Row[] _pending = new Row[Batch];
        private readonly byte[] _text = new byte[32];
        private int _count;

        /// <param name="into">The table and its columns: customer, type, [day,] events, first, last, amount events, amount micros.</param>
        public Rows(sqlite3 db, List<byte[]> types, string into, bool days)
        {
            (_types, _days, _columns) = (types, days, days ? 8 : 7);
            _one = new RawStatement(db, $"INSERT INTO {into} VALUES {Values(1)}");
            try
            {
                _many = new RawStatement(db, $"INSERT INTO {into} VALUES {Values(Batch)}");
            }
            catch
            {
                _one.Dispose();
                throw;
            }
        }

        private string Values(int rows) =>
            string.Join(", ", Enumerable.Repeat("(" + string.Join(", ", Enumerable.Repeat("?", _columns)) + ")", rows));

        public void Add(in Row row)
        {
            _pending[_count++] = row;
            if (_count < Batch) return;
            _many.Reset();
            for (var i = 0; i < Batch; i++) Bind(_many, i * _columns, _pending[i]);
            _many.StepDone();
            _count = 0;
        }

        public void Flush()
        {
            for (var i = 0; i < _count; i++)
            {
                _one.Reset();
                Bind(_one, 0, _pending[i]);
                _one.StepDone();
            }
            _count = 0;
        }

        private void Bind(RawStatement insert, int at, in Row row)
        {
            insert.BindLong(at + 1, row.Customer);
            insert.BindText(at + 2, _types[row.Type]);
            if (_days) insert.BindText(++at + 2, _text, StoredTime.FormatDay((long)row.Day * TimeSpan.TicksPerDay, _text));
            insert.BindLong(at + 3, row.Events);
            insert.BindText(at + 4, _text, StoredTime.Format(row.First, _text));
            insert.BindText(at + 5, _text, StoredTime.Format(row.Last, _text));
            insert.BindLong(at + 6, row.AmountEvents);
            insert.BindLong(at + 7, row.AmountMicros);
        }

        public void Dispose()
        {
            _one.Dispose();
            _many.Dispose();
        }
    }

    /// <summary>Reads the stored summaries of the pass's customers (from on) with ids low..high in id order and marks those that differ; returns how many.</summary>
    private int Compare(RawStatement stored, long from, long low, long high)
    {
        stored.Reset();
        stored.BindLong(1, low);
        stored.BindLong(2, high);
        var text = new byte[32];
        var changed = 0;
        while (stored.Step())
        {
            ref var s = ref _summaries[stored.Long(0) - from];
            if (!s.Has) continue;
            s.Changed = !SameInstant(stored, 1, s.First == long.MaxValue ? null : s.First) || !SameInstant(stored, 2, s.Last == long.MinValue ? null : s.Last) ||
                        !SameInstant(stored, 3, s.LastPurchase == long.MinValue ? null : s.LastPurchase) || !SameLong(stored, 4, s.Visits) ||
                        !SameLong(stored, 5, s.Likes) || !SameLong(stored, 6, s.Purchases) || !SameLong(stored, 7, s.Revenue);
            if (s.Changed) changed++;
        }
        return changed;

        bool SameInstant(RawStatement r, int column, long? ticks)
        {
            if (r.IsNull(column) || ticks is null) return r.IsNull(column) && ticks is null;
            var length = StoredTime.Format(ticks.Value, text);
            return r.Text(column, _text) == length && _text.AsSpan(0, length).SequenceEqual(text.AsSpan(0, length));
        }

        static bool SameLong(RawStatement r, int column, long value) => !r.IsNull(column) && r.IsInteger(column) && r.Long(column) == value;
    }

    /// <summary>Writes the summaries <see cref="Compare"/> marked of the pass's customers at offsets c0..c1, in id order.</summary>
    private void WriteChanged(RawStatement summary, long from, int c0, int c1)
    {
        var text = new byte[32];
        for (var customer = c0; customer < c1; customer++)
        {
            var s = _summaries[customer];
            if (!s.Changed) continue;
            summary.Reset();
            summary.BindLong(1, from + customer);
            BindInstant(2, s.First == long.MaxValue ? null : s.First);
            BindInstant(3, s.Last == long.MinValue ? null : s.Last);
            BindInstant(4, s.LastPurchase == long.MinValue ? null : s.LastPurchase);
            summary.BindLong(5, s.Visits);
            summary.BindLong(6, s.Likes);
            summary.BindLong(7, s.Purchases);
            summary.BindLong(8, s.Revenue);
            summary.StepDone();
        }

        void BindInstant(int index, long? ticks)
        {
            if (ticks is { } t) summary.BindText(index, text, StoredTime.Format(t, text));
            else summary.BindNull(index);
        }
    }

    private static long CustomerCount(sqlite3 db)
    {
        using var count = new RawStatement(db, "SELECT COUNT(*) FROM customers");
        return count.Step() ? count.Long(0) : 0;
    }

    /// <summary>
    /// Creates the dropped indexes again, each sorted in runs of 2 MB through temporary files (ADR-0042): at L an index
    /// took 1.4–2.1 s of CPU that way against 2.1–3.0 s sorted whole in memory, and 8 MB instead of 130 MB. When the
    /// connection cannot change its temporary storage here (it holds temporary tables in this transaction) they sort in
    /// memory as before. Then each index is analysed: dropping it dropped its statistics, and SQLite's optimize analyses
    /// a table with an index that has none again whole, at L the customers' 23 indexes (2.5 s of CPU) where these seven
    /// take 0.8 s (ADR-0045).
    /// </summary>
    private static void CreateIndexes(sqlite3 db, List<(string Name, string Sql)> dropped)
    {
        long cache, store;
        using (var read = new RawStatement(db, "PRAGMA cache_size")) cache = read.Step() ? read.Long(0) : 0;
        using (var read = new RawStatement(db, "PRAGMA temp_store")) store = read.Step() ? read.Long(0) : 0;
        var small = raw.sqlite3_exec(db, "PRAGMA temp_store = FILE") == raw.SQLITE_OK;
        try
        {
            if (small)
                using (var size = new RawStatement(db, $"PRAGMA cache_size = -{Importing.BulkMode.SortRunKib}")) size.StepDone();
            foreach (var (_, create) in dropped)
                using (var index = new RawStatement(db, create)) index.StepDone();
        }
        finally
        {
            if (small) raw.sqlite3_exec(db, $"PRAGMA temp_store = {store}; PRAGMA cache_size = {cache}");
        }
        foreach (var (name, _) in dropped)
            using (var analyse = new RawStatement(db, $"ANALYZE \"{name.Replace("\"", "\"\"", StringComparison.Ordinal)}\"")) analyse.StepDone();
    }

    /// <summary>
    /// Settings recording a customers' behaviour index that a rebuild dropped and committed without (ADR-0046): the key
    /// ends with the index's name, the value is its CREATE statement.
    /// </summary>
    internal const string AsidePrefix = "behavior.rollup.index.";

    /// <summary>Records the dropped indexes in settings, in the rebuild's transaction: a crash after its commit leaves them to <see cref="BuildSetAside"/>.</summary>
    private static void RecordAside(sqlite3 db, List<(string Name, string Sql)> dropped)
    {
        using var record = new RawStatement(db, "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value");
        foreach (var (name, create) in dropped)
        {
            record.Reset();
            record.BindText(1, AsidePrefix + name);
            record.BindText(2, create);
            record.StepDone();
        }
    }

    /// <summary>
    /// Creates the customers' behaviour indexes a rebuild recorded as set aside (<see cref="AsidePrefix"/>), in a write
    /// transaction of its own, with their statistics, and removes the record; answers how many it created. Run after the
    /// rebuild's commit, the index builds read the customers table from the database file: inside the rebuild's
    /// transaction each of the seven read it from the 1.2 GB of WAL frames the rewrite of every row had just written
    /// (at L 3.6 s more CPU, ADR-0046). Also the repair after a crash between the two: every catch-up asks first.
    /// </summary>
    public static int BuildSetAside(SqliteConnection connection, CancellationToken ct)
    {
        if (!RawStatement.Available) return 0; // only the ordered build records them, and it needs the direct calls
        var handle = connection.Handle ?? throw new InvalidOperationException("The connection is not open.");
        using var interrupt = ct.Register(() => raw.sqlite3_interrupt(handle));
        var own = raw.sqlite3_get_autocommit(handle) != 0;
        try
        {
            if (own)
                using (var begin = new RawStatement(handle, "BEGIN IMMEDIATE")) begin.StepDone();
            var aside = new List<(string Name, string Sql)>();
            using (var read = new RawStatement(handle, $"SELECT substr(key, {AsidePrefix.Length + 1}), value FROM settings WHERE substr(key, 1, {AsidePrefix.Length}) = '{AsidePrefix}' ORDER BY key"))
                while (read.Step())
                    aside.Add((read.String(0)!, read.String(1)!));
            if (aside.Count == 0)
            {
                if (own) raw.sqlite3_exec(handle, "COMMIT");
                return 0;
            }
            // Created meanwhile by someone else (by hand): only the record goes.
            using (var exists = new RawStatement(handle, "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'customers'"))
            {
                var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                while (exists.Step()) names.Add(exists.String(0)!);
                aside.RemoveAll(a => names.Contains(a.Name));
            }
            if (aside.Count > 0) CreateIndexes(handle, aside);
            using (var done = new RawStatement(handle, $"DELETE FROM settings WHERE substr(key, 1, {AsidePrefix.Length}) = '{AsidePrefix}'")) done.StepDone();
            if (own)
                using (var commit = new RawStatement(handle, "COMMIT")) commit.StepDone();
            own = false;
            return aside.Count;
        }
        catch (SqliteException e) when (e.SqliteErrorCode == raw.SQLITE_INTERRUPT)
        {
            throw new OperationCanceledException(ct);
        }
        finally
        {
            if (own && raw.sqlite3_get_autocommit(handle) == 0) raw.sqlite3_exec(handle, "ROLLBACK");
        }
    }

    /// <summary>Drops the indexes of customers over summary columns; returns their names and the statements that create them again.</summary>
    private static List<(string Name, string Sql)> DropIndexes(sqlite3 db)
    {
        var creates = new List<(string Name, string Sql)>();
        using (var indexes = new RawStatement(db, "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'customers' AND instr(sql, 'behavior_') > 0"))
            while (indexes.Step())
                creates.Add((indexes.String(0)!, indexes.String(1)!));
        foreach (var (name, _) in creates)
            using (var drop = new RawStatement(db, $"DROP INDEX \"{name.Replace("\"", "\"\"", StringComparison.Ordinal)}\""))
                drop.StepDone();
        return creates;
    }

    private enum Kind { Other, Access, Like, Purchase }

    /// <summary>
    /// A build that holds the writer only while it writes (the server's rebuild, ADR-0044): it reads in read
    /// transactions and writes in transactions of at most <see cref="Rows"/> rows. <see cref="Token"/> names the
    /// rebuild in settings (set by the caller before the build): each write checks it is still there, so a rebuild
    /// begun elsewhere since (another process) makes this one stop; the last write sets the watermarks and removes it.
    /// </summary>
    internal sealed class Chunks(string token)
    {
        /// <summary>
        /// Rows (days and totals) and customers one write transaction holds at most. At M (100,000 customers, 300,000
        /// totals) writes of 200,000 rows held the writer 10 s at a load average of 17 on 2 cores.
        /// </summary>
        public const int DefaultRows = 20_000;

        public string Token { get; } = token;
        public int Rows { get; init; } = DefaultRows;
        /// <summary>Called after each write transaction commits, the writer free (tests hold it there).</summary>
        public Action? Between { get; init; }
        public long HighEvent { get; set; }
        public long HighPurchase { get; set; }
        public int Writes { get; private set; }
        public TimeSpan LongestWrite { get; private set; }

        public void Begin(sqlite3 db, bool write)
        {
            if (raw.sqlite3_get_autocommit(db) == 0) return; // the pass's reading goes on in the transaction already open
            using var begin = new RawStatement(db, write ? "BEGIN IMMEDIATE" : "BEGIN");
            begin.StepDone();
        }

        public void Commit(sqlite3 db) => End(db, "COMMIT");

        public void Rollback(sqlite3 db) => End(db, "ROLLBACK");

        public bool StillOurs(sqlite3 db)
        {
            using var read = new RawStatement(db, $"SELECT value FROM settings WHERE key = '{BehaviorRollup.RebuildMark}'");
            return read.Step() && read.String(0) == Token;
        }

        /// <summary>In the last write: the rollup now counts every event and purchase up to the highs.</summary>
        public void Finish(sqlite3 db)
        {
            using var mark = new RawStatement(db, "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value");
            foreach (var (key, value) in new[] { (BehaviorRollup.EventsMark, HighEvent), (BehaviorRollup.PurchasesMark, HighPurchase) })
            {
                mark.Reset();
                mark.BindText(1, key);
                mark.BindText(2, value.ToString(System.Globalization.CultureInfo.InvariantCulture));
                mark.StepDone();
            }
            using var done = new RawStatement(db, $"DELETE FROM settings WHERE key = '{BehaviorRollup.RebuildMark}'");
            done.StepDone();
        }

        public void Written(TimeSpan held)
        {
            Writes++;
            if (held > LongestWrite) LongestWrite = held;
            Between?.Invoke();
        }

        private static void End(sqlite3 db, string sql)
        {
            if (raw.sqlite3_get_autocommit(db) != 0) return;
            using var end = new RawStatement(db, sql);
            end.StepDone();
        }
    }

    /// <summary>One customer's purchases in a pass: how many, their amount in micros, the latest as ticks.</summary>
    private struct Purchases
    {
        public long Last;
        public long Micros;
        public int Count;
    }

    /// <summary>A customer's summary columns as they are summed (see <see cref="BehaviorRollup"/>'s set-based UPDATE).</summary>
    private struct Summary
    {
        public long First, Last, LastPurchase, Visits, Likes, Purchases, Revenue;
        /// <summary>The customer has events or purchases: the columns are set.</summary>
        public bool Has;
        /// <summary>They differ from the stored ones.</summary>
        public bool Changed;
    }

    /// <summary>
    /// One (customer, type, day) bucket, or (customer, type) before the kept days (<see cref="Earlier"/>); the customer as
    /// an offset in its pass, the type as its number in the pass.
    /// </summary>
    private struct Bucket
    {
        public long First;
        public long Last;
        public long AmountMicros;
        public int Offset;
        public int Type;
        public int Day;
        public int Events;
        public int AmountEvents;
    }

    /// <summary>
    /// The text form in which instants are stored on SQLite (<c>yyyy-MM-dd HH:mm:ss</c>, then a point and up to seven
    /// digits without trailing zeros when there is a fraction): only text that this form gives back byte for byte is
    /// read as an instant, so writing it again gives the stored text.
    /// </summary>
    internal static class StoredTime
    {
        public static bool TryDay(byte[] t, int length, out long ticks)
        {
            ticks = 0;
            if (length < 19 || t[4] != '-' || t[7] != '-' || t[10] != ' ') return false;
            if (!Digits(t, 0, 4, out var year) || !Digits(t, 5, 2, out var month) || !Digits(t, 8, 2, out var day)) return false;
            if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month)) return false;
            ticks = new DateTime(year, month, day).Ticks;
            return true;
        }

        public static bool TryTimeOfDay(byte[] t, int length, out long ticks)
        {
            ticks = 0;
            if (t[13] != ':' || t[16] != ':') return false;
            if (!Digits(t, 11, 2, out var hour) || !Digits(t, 14, 2, out var minute) || !Digits(t, 17, 2, out var second)) return false;
            if (hour > 23 || minute > 59 || second > 59) return false;
            var fraction = 0;
            if (length != 19)
            {
                if (length is < 21 or > 27 || t[19] != '.' || t[length - 1] == '0' || !Digits(t, 20, length - 20, out fraction)) return false;
                for (var i = length - 20; i < 7; i++) fraction *= 10;
            }
            ticks = ((hour * 60L + minute) * 60 + second) * TimeSpan.TicksPerSecond + fraction;
            return true;
        }

        public static int FormatDay(long ticks, byte[] into)
        {
            var d = new DateTime(ticks);
            Put(into, 0, d.Year, 4);
            into[4] = (byte)'-';
            Put(into, 5, d.Month, 2);
            into[7] = (byte)'-';
            Put(into, 8, d.Day, 2);
            return 10;
        }

        public static int Format(long ticks, byte[] into)
        {
            FormatDay(ticks, into);
            var d = new DateTime(ticks);
            into[10] = (byte)' ';
            Put(into, 11, d.Hour, 2);
            into[13] = (byte)':';
            Put(into, 14, d.Minute, 2);
            into[16] = (byte)':';
            Put(into, 17, d.Second, 2);
            var fraction = (int)(ticks % TimeSpan.TicksPerSecond);
            if (fraction == 0) return 19;
            into[19] = (byte)'.';
            var digits = 7;
            while (fraction % 10 == 0)
            {
                fraction /= 10;
                digits--;
            }
            Put(into, 20, fraction, digits);
            return 20 + digits;
        }

        private static bool Digits(byte[] t, int at, int count, out int value)
        {
            value = 0;
            for (var i = at; i < at + count; i++)
            {
                var d = t[i] - '0';
                if ((uint)d > 9) return false;
                value = value * 10 + d;
            }
            return true;
        }

        private static void Put(byte[] into, int at, int value, int digits)
        {
            for (var i = at + digits - 1; i >= at; i--)
            {
                into[i] = (byte)('0' + value % 10);
                value /= 10;
            }
        }
    }
}
