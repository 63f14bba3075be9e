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
/// from them, both in key order: appends to the B-trees. Memory is bounded by the events of one pass.
/// </para>
/// <para>
/// A timestamp not in the form Kith stores (<c>yyyy-MM-dd HH:mm:ss[.FFFFFFF]</c>), a missing index, customer ids too
/// sparse for arrays, or another SQLite build answers false before anything is written or after a pass; the caller
/// then clears what was written and counts in SQL.
/// </para>
/// </summary>
internal sealed class BuildRollup
{
    /// <summary>Events per pass: about 48 bytes of buckets and 4 of ordering each, so some 200 MB at most.</summary>
    internal static long EventsPerPass { get; set; } = 4_000_000;

    private const string Index = "ix_behavior_events_type_occurred_at_customer_id";
    /// <summary>A pass's customer range is an array of this many ints at most.</summary>
    private const long MaxRange = 64_000_000;

    private readonly sqlite3 _db;
    private readonly IProgress<RollupProgress>? _progress;
    private readonly long _total;
    private readonly List<byte[]> _types = [];
    private readonly byte[] _text = new byte[1024];
    private readonly byte[] _day = new byte[10];
    private Bucket[] _buckets;
    private int _count;
    private long _read;

    private BuildRollup(sqlite3 db, long total, int capacity, IProgress<RollupProgress>? progress)
    {
        (_db, _total, _progress) = (db, total, progress);
        _buckets = new Bucket[capacity];
    }

    /// <summary>
    /// Writes behavior_days and behavior_totals (both empty before) from the events up to <paramref name="highEvent"/>,
    /// or answers false (see the class). <paramref name="amountSql"/> is the amount of event <c>e</c> in micros, or NULL.
    /// </summary>
    public static bool TryBuild(SqliteConnection connection, long highEvent, string amountSql, IProgress<RollupProgress>? progress, CancellationToken ct, out long events)
    {
        events = 0;
        if (!RawStatement.Available) return false;
        var handle = connection.Handle ?? throw new InvalidOperationException("The connection is not open.");
        using var interrupt = ct.Register(() => raw.sqlite3_interrupt(handle));
        try
        {
            using (var index = new RawStatement(handle, $"SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = '{Index}'"))
                if (!index.Step()) return false;
            long min, max;
            using (var range = new RawStatement(handle, "SELECT MIN(customer_id), MAX(customer_id) FROM behavior_events"))
            {
                if (!range.Step() || range.IsNull(0)) return true;
                (min, max) = (range.Long(0), range.Long(1));
            }
            var passes = Math.Max(1, (highEvent + EventsPerPass - 1) / EventsPerPass);
            var step = (max - min + passes) / passes;
            if (step > MaxRange) return false;

            // Buckets are at most as many as events; a pass holds about its share of them (ids spread evenly).
            var perPass = highEvent / passes;
            var build = new BuildRollup(handle, highEvent, (int)Math.Min(Array.MaxLength / 2, perPass + perPass / 8 + 1024), progress);
            using var scan = new RawStatement(handle,
                "SELECT e.type, e.occurred_at, e.customer_id, " + amountSql + $" FROM behavior_events e INDEXED BY {Index} " +
                "WHERE e.customer_id >= ?1 AND e.customer_id < ?2 AND e.id <= ?3 ORDER BY e.type, e.occurred_at");
            using var days = new RawStatement(handle, "INSERT INTO behavior_days (customer_id, type, day, events, first_at, last_at, amount_events, amount_micros) " +
                                                   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
            using var totals = new RawStatement(handle, "INSERT INTO behavior_totals (customer_id, type, events, first_at, last_at, amount_events, amount_micros) " +
                                                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
            for (var from = min; from <= max; from += step)
            {
                var to = Math.Min(max + 1, from + step);
                if (!build.Count(scan, from, to, highEvent, ct)) return false;
                events += build.Write(days, totals, from, to);
            }
            return true;
        }
        catch (SqliteException e) when (e.SqliteErrorCode == raw.SQLITE_INTERRUPT)
        {
            throw new OperationCanceledException(ct);
        }
    }

    /// <summary>Counts the buckets of customers from..to (exclusive); false on a timestamp in another form.</summary>
    private bool Count(RawStatement scan, long from, long to, long highEvent, CancellationToken ct)
    {
        var current = new int[to - from]; // 1 + the index of each customer's latest bucket, 0 for none
        _count = 0;
        _types.Clear();
        scan.Reset();
        scan.BindLong(1, from);
        scan.BindLong(2, to);
        scan.BindLong(3, highEvent);
        var type = -1;
        var (lastDay, dayTicks) = (-1, 0L);
        var rows = 0;
        while (scan.Step())
        {
            if ((++rows & 0xFFFF) == 0)
            {
                ct.ThrowIfCancellationRequested();
                _progress?.Report(new RollupProgress(_read + rows, _total));
            }
            var typeLength = scan.Text(0, _text);
            if (type < 0 || !_text.AsSpan(0, typeLength).SequenceEqual(_types[type]))
            {
                _types.Add(_text.AsSpan(0, typeLength).ToArray());
                type = _types.Count - 1;
            }
            var length = scan.Text(1, _text);
            // Consecutive events mostly share a day: its date is parsed once.
            if (lastDay < 0 || !_text.AsSpan(0, 10).SequenceEqual(_day))
            {
                if (!StoredTime.TryDay(_text, length, out dayTicks)) return false;
                _text.AsSpan(0, 10).CopyTo(_day);
                lastDay = (int)(dayTicks / TimeSpan.TicksPerDay);
            }
            if (!StoredTime.TryTimeOfDay(_text, length, out var timeOfDay)) return false;
            var at = dayTicks + timeOfDay;
            var offset = scan.Long(2) - from;
            var hasAmount = !scan.IsNull(3);
            var amount = hasAmount ? scan.Long(3) : 0;

            var i = current[offset] - 1;
            if (i >= 0 && _buckets[i].Type == type && _buckets[i].Day == lastDay)
            {
                ref var b = ref _buckets[i];
                b.Events++;
                b.Last = at;
                if (hasAmount)
                {
                    b.AmountEvents++;
                    b.AmountMicros += amount;
                }
                continue;
            }
            if (_count == _buckets.Length) Array.Resize(ref _buckets, _buckets.Length + _buckets.Length / 2);
            _buckets[_count] = new Bucket
            {
                Offset = (int)offset, Type = type, Day = lastDay, Events = 1, First = at, Last = at,
                AmountEvents = hasAmount ? 1 : 0, AmountMicros = amount,
            };
            current[offset] = ++_count;
        }
        _read += rows;
        _progress?.Report(new RollupProgress(_read, _total));
        return true;
    }

    /// <summary>Writes the counted buckets and their totals in key order; returns the number of events they hold.</summary>
    private long Write(RawStatement days, RawStatement totals, long from, long to)
    {
        // Counting sort by customer: stable, so each customer's buckets keep the scan's order, by type then day.
        var starts = new int[to - from + 1];
        for (var i = 0; i < _count; i++) starts[_buckets[i].Offset + 1]++;
        for (var c = 1; c < starts.Length; c++) starts[c] += starts[c - 1];
        var order = new int[_count];
        for (var i = 0; i < _count; i++) order[starts[_buckets[i].Offset]++] = i;

        long events = 0;
        var text = new byte[32];
        for (var k = 0; k < order.Length;)
        {
            var first = _buckets[order[k]];
            var total = new Bucket { Offset = first.Offset, Type = first.Type, First = first.First };
            long totalEvents = 0;
            for (; k < order.Length && _buckets[order[k]].Offset == first.Offset && _buckets[order[k]].Type == first.Type; k++)
            {
                var b = _buckets[order[k]];
                days.Reset();
                days.BindLong(1, from + b.Offset);
                days.BindText(2, _types[b.Type]);
                days.BindText(3, text, StoredTime.FormatDay((long)b.Day * TimeSpan.TicksPerDay, text));
                days.BindLong(4, b.Events);
                days.BindText(5, text, StoredTime.Format(b.First, text));
                days.BindText(6, text, StoredTime.Format(b.Last, text));
                days.BindLong(7, b.AmountEvents);
                days.BindLong(8, b.AmountMicros);
                days.StepDone();
                totalEvents += b.Events;
                total.Last = b.Last;
                total.AmountEvents += b.AmountEvents;
                total.AmountMicros += b.AmountMicros;
            }
            totals.Reset();
            totals.BindLong(1, from + total.Offset);
            totals.BindText(2, _types[total.Type]);
            totals.BindLong(3, totalEvents);
            totals.BindText(4, text, StoredTime.Format(total.First, text));
            totals.BindText(5, text, StoredTime.Format(total.Last, text));
            totals.BindLong(6, total.AmountEvents);
            totals.BindLong(7, total.AmountMicros);
            totals.StepDone();
            events += totalEvents;
        }
        return events;
    }

    /// <summary>One (customer, type, day) bucket; the customer as an offset in its pass, the type as its number in the pass.</summary>
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
