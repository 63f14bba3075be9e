using System.Diagnostics;
using System.Globalization;
using Kith.Core.Importing;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Behavior;

/// <summary>
/// The server's incremental rounds on SQLite (ADR-0047): a round counts its new events in a read transaction into
/// temporary tables (the temp database has its own lock, so the writer stays free), then writes a range of customers
/// at a time, each range in a write transaction of its own of at most <see cref="RowsPerWrite"/> rows. A batch of the
/// events API waits for one such write at most, never for the whole count (one transaction of 100,000 events held the
/// writer 79 s at M on a busy machine, and a batch behind it got 503).
/// </summary>
/// <remarks>
/// Stale customers go first, a range at a time, each counted again from its events up to the new watermark and its
/// mark deleted in the same write (a merge after it marks it again, and the next round counts it again). Then the new
/// events' days and totals of everyone else are added, a range of customers at a time. Those writes only make sense
/// together with the watermark that moves in the last one, so the first records the round as under way with the rebuild's mark
/// (<see cref="RebuildMark"/>): a round that stops half way, or a rebuild elsewhere meanwhile, leaves the next round to
/// rebuild, as a rebuild in chunks does (ADR-0044). Summaries are written only where a column changes.
/// </remarks>
public sealed partial class BehaviorRollup
{
    private const string RoundDays = "temp.behavior_round_days";
    private const string RoundTotals = "temp.behavior_round_totals";
    private const string RoundCustomers = "temp.behavior_round_customers";
    private const string DayColumns = "customer_id, type, day, events, first_at, last_at, amount_events, amount_micros";
    private const string TotalColumns = "customer_id, type, events, first_at, last_at, amount_events, amount_micros";

    private async Task<RollupOutcome> CatchUpInChunksAsync(long started, long maxRows, long maxEvent, long maxPurchase, CancellationToken ct)
    {
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            var (events, purchases, rebuilding) = await MarksAsync(ct);
            if (rebuilding) return RollupOutcome.Nothing; // begun since by another process: the next round rebuilds
            var (eventHigh, purchaseHigh) = (Math.Max(maxEvent, events), Math.Max(maxPurchase, purchases));
            var behind = eventHigh - events > maxRows || purchaseHigh - purchases > maxRows;
            eventHigh = Math.Min(eventHigh, events + maxRows);
            purchaseHigh = Math.Min(purchaseHigh, purchases + maxRows);

            // The count: a read transaction of the main database, writing only temporary tables.
            var stale = new List<long>();
            var ranges = new List<(long From, long To)>();
            await DropRoundAsync(ct);
            var conn = (SqliteConnection)db.Database.GetDbConnection();
            await using (var read = conn.BeginTransaction(deferred: true))
            {
                await db.Database.UseTransactionAsync(read, ct);
                try
                {
                    var newEvents = $"e.id > {events} AND e.id <= {eventHigh}";
                    await ExecAsync($"CREATE TABLE {RoundDays} AS SELECT {DayColumns} FROM behavior_days WHERE 0", ct);
                    await ExecAsync($"CREATE TABLE {RoundTotals} AS SELECT {TotalColumns} FROM behavior_totals WHERE 0", ct);
                    await ExecAsync($"CREATE TABLE {RoundCustomers} (customer_id INTEGER PRIMARY KEY, rows INTEGER NOT NULL)", ct);
                    if (eventHigh > events)
                    {
                        await ExecAsync(InsertDays(newEvents, upsert: false, into: RoundDays), ct);
                        await ExecAsync(InsertTotals(newEvents, upsert: false, into: RoundTotals), ct);
                    }
                    await ExecAsync("CREATE INDEX temp.behavior_round_days_customer ON behavior_round_days (customer_id)", ct);
                    await ExecAsync("CREATE INDEX temp.behavior_round_totals_customer ON behavior_round_totals (customer_id)", ct);
                    // Stale customers are counted again from their events up to the new watermark, each in one write:
                    // their new events must not be added a second time from the count. (Up to the old one and the rest
                    // added from the count would be wrong when an import revert or a merge moves their new events between
                    // this count and their write: it marks them stale again, a mark their write then deletes.)
                    await Sql.ReadAsync(db, "SELECT customer_id FROM behavior_stale ORDER BY customer_id", r => stale.Add(r.GetInt64(0)), ct);
                    if (stale.Count > 0)
                        foreach (var table in new[] { RoundDays, RoundTotals })
                            await ExecAsync($"DELETE FROM {table} WHERE customer_id IN (SELECT customer_id FROM main.behavior_stale)", ct);
                    // Each customer's rows to write: days, totals and the summary.
                    await ExecAsync($"INSERT INTO {RoundCustomers} (customer_id, rows) SELECT customer_id, 1 + SUM(n) FROM (" +
                                    $"SELECT customer_id, COUNT(*) AS n FROM {RoundDays} GROUP BY customer_id " +
                                    $"UNION ALL SELECT customer_id, COUNT(*) FROM {RoundTotals} GROUP BY customer_id " +
                                    $"UNION ALL SELECT DISTINCT customer_id, 0 FROM purchases WHERE id > {purchases} AND id <= {purchaseHigh} AND customer_id IS NOT NULL" +
                                    ") AS x WHERE customer_id NOT IN (SELECT customer_id FROM main.behavior_stale) GROUP BY customer_id", ct);
                    // A range holds at most RowsPerWrite rows, and a quarter as many customers: a summary written is a
                    // row of several hundred bytes and an entry in each of its seven indexes.
                    long from = -1, last = 0, rows = 0, customers = 0;
                    await Sql.ReadAsync(db, $"SELECT customer_id, rows FROM {RoundCustomers} ORDER BY customer_id", r =>
                    {
                        var (id, n) = (r.GetInt64(0), r.GetInt64(1));
                        if (from >= 0 && (rows + n > RowsPerWrite || customers * 4 >= RowsPerWrite))
                        {
                            ranges.Add((from, last));
                            (from, rows, customers) = (-1, 0, 0);
                        }
                        if (from < 0) from = id;
                        (last, rows, customers) = (id, rows + n, customers + 1);
                    }, ct);
                    if (from >= 0) ranges.Add((from, last));
                    await read.CommitAsync(ct);
                }
                finally
                {
                    await db.Database.UseTransactionAsync(null, CancellationToken.None);
                }
            }
            BetweenWrites?.Invoke();

            var writes = 0;
            var (longest, held) = (TimeSpan.Zero, TimeSpan.Zero);
            var recounted = 0;
            // The writes make sense only together with the watermark the last one moves: the first of several records the
            // round as under way with the rebuild's mark, the others check it is still theirs (a round stopped half way, or
            // a rebuild elsewhere meanwhile, leaves the next round to rebuild, ADR-0044).
            var token = Guid.NewGuid().ToString("N");
            if (ranges.Count == 0) ranges.Add((0, -1));
            var perWrite = Math.Max(1, RowsPerWrite / 10);
            var staleWrites = (stale.Count + perWrite - 1) / perWrite;
            var (total, index) = (staleWrites + ranges.Count, 0);

            // Stale customers: counted again up to the new watermark, a range at a time.
            for (var i = 0; i < stale.Count; i += perWrite)
            {
                var ids = string.Join(',', stale.Skip(i).Take(perWrite).Select(id => id.ToString(CultureInfo.InvariantCulture)));
                var n = await WriteAsync(async () =>
                {
                    if (!await OursAsync()) return -1;
                    await CreateAffectedAsync(ct);
                    await ExecAsync($"INSERT INTO behavior_affected (customer_id) SELECT customer_id FROM behavior_stale WHERE customer_id IN ({ids})", ct);
                    var marked = await ExecAsync("DELETE FROM behavior_stale WHERE customer_id IN (SELECT customer_id FROM behavior_affected)", ct);
                    await RecountAffectedAsync(eventHigh, ct);
                    await ExecAsync(UpdateSummary("customer_id IN (SELECT customer_id FROM behavior_affected)", changedOnly: true), ct);
                    await ExecAsync(ClearSummariesLeft(SummaryTable, "id IN (SELECT customer_id FROM behavior_affected)"), ct);
                    await DropAffectedAsync(ct);
                    return marked;
                });
                if (n < 0) return RollupOutcome.Nothing; // another process caught up or rebuilt meanwhile
                recounted += n;
            }

            // The new events, a range of customers at a time; the watermark moves in the last write.
            for (var i = 0; i < ranges.Count; i++)
            {
                var (from, to) = ranges[i];
                var final = i == ranges.Count - 1;
                var done = await WriteAsync(async () =>
                {
                    if (!await OursAsync()) return -1;
                    var range = $"customer_id BETWEEN {from} AND {to}";
                    await ExecAsync($"INSERT INTO behavior_days ({DayColumns}) SELECT {DayColumns} FROM {RoundDays} WHERE {range}" + AddToDays, ct);
                    await ExecAsync($"INSERT INTO behavior_totals ({TotalColumns}) SELECT {TotalColumns} FROM {RoundTotals} WHERE {range}" + AddToTotals, ct);
                    await ExecAsync(UpdateSummary($"customer_id IN (SELECT customer_id FROM {RoundCustomers} WHERE {range})", changedOnly: true), ct);
                    if (final)
                    {
                        await SetMarksAsync(eventHigh, purchaseHigh, ct);
                        if (total > 1) await ExecAsync($"DELETE FROM settings WHERE key = '{RebuildMark}'", ct);
                    }
                    return 0;
                });
                if (done < 0) return RollupOutcome.Nothing; // stopped by a rebuild elsewhere, which counts everything
            }
            return new RollupOutcome(eventHigh - events, purchaseHigh - purchases, recounted, false, Stopwatch.GetElapsedTime(started))
                { Behind = behind, NewestEvent = maxEvent, Writes = writes, LongestWrite = longest, HeldWriter = held };

            // At the start of each write: whether the round may go on. The first write finds the marks as counted and,
            // when more writes follow, records the round; the others find their record.
            async Task<bool> OursAsync()
            {
                if (index++ > 0) return await StillOursAsync(token, ct);
                if (await MarksAsync(ct) != (events, purchases, false)) return false;
                if (total > 1) await SetAsync(RebuildMark, token, ct);
                return true;
            }

            // One write transaction: committed when the step answers 0 or more, rolled back otherwise.
            async Task<int> WriteAsync(Func<Task<int>> step)
            {
                var began = Stopwatch.GetTimestamp();
                int answer;
                await using (var tx = await db.Database.BeginTransactionAsync(ct))
                {
                    answer = await step();
                    if (answer < 0) return answer;
                    await tx.CommitAsync(ct);
                }
                var write = Stopwatch.GetElapsedTime(began);
                (writes, held) = (writes + 1, held + write);
                if (write > longest) longest = write;
                BetweenWrites?.Invoke();
                return answer;
            }
        }
        finally
        {
            await DropRoundAsync(CancellationToken.None);
            await db.Database.CloseConnectionAsync();
        }
    }

    private async Task<bool> StillOursAsync(string token, CancellationToken ct)
    {
        string? value = null;
        await Sql.ReadAsync(db, $"SELECT value FROM settings WHERE key = '{RebuildMark}'", r => value = r.GetString(0), ct);
        return value == token;
    }

    private async Task DropRoundAsync(CancellationToken ct)
    {
        foreach (var table in new[] { RoundDays, RoundTotals, RoundCustomers })
            await ExecAsync($"DROP TABLE IF EXISTS {table}", ct);
    }
}
