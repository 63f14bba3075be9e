using System.Diagnostics;
using System.Globalization;
using Kith.Core.Infrastructure;
using Kith.Core.Importing;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Kith.Core.Behavior;

/// <summary>What one catch-up or rebuild did.</summary>
public sealed record RollupOutcome(long Events, long Purchases, long Recounted, bool Rebuilt, TimeSpan Elapsed)
{
    /// <summary>The catch-up stopped at its limit of rows: more events or purchases wait for the next round.</summary>
    public bool Behind { get; init; }

    /// <summary>A rebuild counted the events in one ordered pass in memory (SQLite, <see cref="BuildRollup"/>), not in SQL.</summary>
    public bool InOrder { get; init; }

    /// <summary>The newest event id the catch-up saw stored (the next server round tells from it whether events still stream in).</summary>
    public long NewestEvent { get; init; }

    /// <summary>A rebuild that released the writer between writes (the server's, ADR-0044): how many, and the longest.</summary>
    public int Writes { get; init; }

    /// <inheritdoc cref="Writes"/>
    public TimeSpan LongestWrite { get; init; }

    /// <summary>How long the writes held the writer in all (a server round on SQLite, ADR-0047: its count holds nothing).</summary>
    public TimeSpan HeldWriter { get; init; }

    public static readonly RollupOutcome Nothing = new(0, 0, 0, false, TimeSpan.Zero);
}

/// <summary>How far a rebuild has read the events.</summary>
public sealed record RollupProgress(long Done, long Total);

/// <summary>
/// Keeps the behaviour rollup current: daily buckets per (customer, type, day) in behavior_days for the days the 7, 30
/// and 90-day windows can still count (from <see cref="BehaviorQueries.FirstKeptDay"/> on, ADR-0035), all-time totals
/// per (customer, type) in behavior_totals counted from the events, and the summary columns of customers (first and last seen, last purchase,
/// visits, likes, purchases, revenue) that the list sorts and filters on: columns of customers on SQLite, of
/// customer_behavior on PostgreSQL (<see cref="BehaviorColumns.Table"/>, ADR-0043).
/// <para>
/// Events and purchases only ever reach a customer as new rows, so the rollup catches up by a watermark on their ids
/// (kept in settings): each catch-up adds the rows after the watermark with set-based INSERT … SELECT … GROUP BY … ON
/// CONFLICT DO UPDATE, and recomputes the summary columns of the customers those rows belong to. What moves or removes
/// existing rows (a merge, its undo, an import revert) marks the customers involved stale
/// (<see cref="MarkStaleAsync"/>) in the same transaction; the next catch-up counts them again from their events.
/// </para>
/// <para>
/// On PostgreSQL the ids of concurrent inserts can commit out of order, so the catch-up reads the highest id while
/// holding a SHARE lock on both tables for an instant: it waits for inserts in flight and makes every id up to it
/// committed. Catch-ups and stale marks take the same advisory lock, so they never interleave. On SQLite the one
/// writer at a time gives both for free.
/// </para>
/// </summary>
public sealed partial class BehaviorRollup(KithDb db, TimeProvider clock)
{
    /// <summary>
    /// More stale customers than this, or more new events than this that are also over a quarter of all events (a bulk
    /// import), are cheaper to count by a full rebuild.
    /// </summary>
    public const int RebuildAbove = 100_000;
    internal const string EventsMark = "behavior.rollup.events";
    internal const string PurchasesMark = "behavior.rollup.purchases";
    /// <summary>Set while a rebuild that releases the writer is under way (ADR-0044): the rollup is then partly counted to
    /// its watermark and partly beyond, so whoever catches up next rebuilds.</summary>
    internal const string RebuildMark = "behavior.rollup.rebuild";
    /// <summary>Advisory lock key shared by catch-ups and stale marks on PostgreSQL ("kithbhvr").</summary>
    private const long LockKey = 0x6B697468_62687672;
    private static readonly SemaphoreSlim s_oneAtATime = new(1, 1);

    /// <summary>Called whenever the server's rebuild has released the writer between two writes (tests hold it there).</summary>
    internal Action? BetweenWrites { get; set; }

    /// <summary>Rows and customers one write of the server's rebuild holds at most.</summary>
    internal int RowsPerWrite { get; set; } = BuildRollup.Chunks.DefaultRows;

    /// <summary>
    /// Adds the events and purchases stored since the last catch-up and recounts stale customers. Cheap when there is
    /// nothing new: two primary-key lookups and one settings read.
    /// </summary>
    public Task<RollupOutcome> CatchUpAsync(CancellationToken ct) => CatchUpAsync(long.MaxValue, ct);

    /// <summary>
    /// Like <see cref="CatchUpAsync(CancellationToken)"/>, adding at most <paramref name="maxRows"/> new events and as
    /// many purchases, so that one round holds the writer for a bounded time while events stream in (the server's
    /// rounds, ADR-0027); <see cref="RollupOutcome.Behind"/> tells that more are waiting.
    /// </summary>
    public Task<RollupOutcome> CatchUpAsync(long maxRows, CancellationToken ct) => CatchUpAsync(maxRows, null, null, ct);

    /// <summary>
    /// The server's rounds (ADR-0037): like <see cref="CatchUpAsync(long, CancellationToken)"/>, but while events are
    /// still arriving (stored after <paramref name="newestSeen"/>, the previous round's <see cref="RollupOutcome.NewestEvent"/>)
    /// a backlog of new events is added in bounded rounds, never by a full rebuild: a rebuild holds the writer for as
    /// long as it counts every event (about 30 s at ten million), longer than a batch waits for it (busy_timeout 30 s).
    /// Once the stream pauses, a large backlog is rebuilt as before.
    /// </summary>
    public Task<RollupOutcome> CatchUpAsync(long maxRows, long newestSeen, CancellationToken ct) => CatchUpAsync(maxRows, newestSeen, null, ct);

    /// <summary>
    /// Like <see cref="CatchUpAsync(CancellationToken)"/>, telling how far a rebuild has read when it turns into one
    /// (after a bulk import: `kith import events` shows it).
    /// </summary>
    public Task<RollupOutcome> CatchUpAsync(IProgress<RollupProgress>? progress, CancellationToken ct) => CatchUpAsync(long.MaxValue, null, progress, ct);

    /// <summary>
    /// Catches up only when what waits is at most <paramref name="maxBacklog"/> new events, new purchases and stale
    /// customers, and no rebuild is under way: quick enough for a request to do itself. Returns whether it did; a larger
    /// backlog is left to the server's bounded rounds (ADR-0027, ADR-0047), which a request must not take on.
    /// </summary>
    public async Task<bool> CatchUpIfSmallAsync(long maxBacklog, CancellationToken ct)
    {
        var (events, purchases, rebuilding) = await MarksAsync(ct);
        if (rebuilding) return false;
        if (await MaxIdAsync("behavior_events", ct) - events > maxBacklog || await MaxIdAsync("purchases", ct) - purchases > maxBacklog) return false;
        if (await db.StaleBehavior.AsNoTracking().Take((int)maxBacklog + 1).LongCountAsync(ct) > maxBacklog) return false;
        await CatchUpAsync(maxBacklog, ct);
        return true;
    }

    private async Task<RollupOutcome> CatchUpAsync(long maxRows, long? newestSeen, IProgress<RollupProgress>? progress, CancellationToken ct)
    {
        await s_oneAtATime.WaitAsync(ct);
        try
        {
            var started = Stopwatch.GetTimestamp();
            await BuildIndexesSetAsideAsync(ct);
            var (events, purchases, rebuilding) = await MarksAsync(ct);
            var (maxEvent, maxPurchase) = (await MaxIdAsync("behavior_events", ct), await MaxIdAsync("purchases", ct));
            var stale = await db.StaleBehavior.AsNoTracking().LongCountAsync(ct);
            if (maxEvent <= events && maxPurchase <= purchases && stale == 0 && !rebuilding) return RollupOutcome.Nothing;
            var added = maxEvent - events;
            // In the server's bounded rounds too (ADR-0027), once the events stop arriving (ADR-0037): after a bulk import,
            // one rebuild of well under a minute at ten million events holds the writer far less than a hundred rounds of
            // 100,000 events each, but while batches stream in it would make each of them wait for all of it.
            var streaming = newestSeen is { } seen && maxEvent > seen;
            // The server's rebuild on SQLite holds the writer only to write, a range of customers at a time (ADR-0044).
            if (rebuilding || stale > RebuildAbove || (added > RebuildAbove && added > maxEvent / 4 && !streaming))
                return await (newestSeen is not null && Sqlite ? RebuildInChunksAsync(started, progress, ct) : RebuildLockedAsync(started, inOrder: true, progress, ct))
                    with { NewestEvent = maxEvent };

            // The server's rounds on SQLite count without the writer and write a range of customers at a time (ADR-0047).
            if (newestSeen is not null && Sqlite) return await CatchUpInChunksAsync(started, maxRows, maxEvent, maxPurchase, ct);
            var high = await CommittedHighAsync(ct);
            if (high is null) return RollupOutcome.Nothing;
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            await LockAsync(ct);
            (events, purchases, rebuilding) = await MarksAsync(ct);
            if (rebuilding) return RollupOutcome.Nothing; // begun since by another process: the next round rebuilds
            var (eventHigh, purchaseHigh) = (Math.Max(high.Value.Events, events), Math.Max(high.Value.Purchases, purchases));
            var behind = eventHigh - events > maxRows || purchaseHigh - purchases > maxRows;
            if (eventHigh - events > maxRows) eventHigh = events + maxRows;
            if (purchaseHigh - purchases > maxRows) purchaseHigh = purchases + maxRows;
            await CreateAffectedAsync(ct);
            await ExecAsync("INSERT INTO behavior_affected (customer_id) SELECT customer_id FROM behavior_stale", ct);
            var recounted = await ExecAsync("DELETE FROM behavior_stale WHERE customer_id IN (SELECT customer_id FROM behavior_affected)", ct);
            if (recounted > 0)
            {
                // Counted again from what they hold now, up to the old watermark; the rows after it are added below like anyone's.
                await ExecAsync($"UPDATE {SummaryTable} SET {ClearSummary} WHERE id IN (SELECT customer_id FROM behavior_affected)", ct);
                await RecountAffectedAsync(events, ct);
            }
            var newEvents = $"e.id > {events} AND e.id <= {eventHigh}";
            var newPurchases = $"id > {purchases} AND id <= {purchaseHigh}";
            if (eventHigh > events)
            {
                await ExecAsync($"INSERT INTO behavior_affected (customer_id) SELECT DISTINCT e.customer_id FROM behavior_events e WHERE {newEvents} {OnConflictNothing}", ct);
                await ExecAsync(InsertDays(newEvents, upsert: true), ct);
                await ExecAsync(InsertTotals(newEvents, upsert: true), ct);
            }
            if (purchaseHigh > purchases)
                await ExecAsync($"INSERT INTO behavior_affected (customer_id) SELECT DISTINCT customer_id FROM purchases WHERE {newPurchases} {OnConflictNothing}", ct);
            await ExecAsync(UpdateSummary("customer_id IN (SELECT customer_id FROM behavior_affected)"), ct);
            await SetMarksAsync(eventHigh, purchaseHigh, ct);
            await DropAffectedAsync(ct);
            await tx.CommitAsync(ct);
            return new RollupOutcome(eventHigh - events, purchaseHigh - purchases, recounted, false, Stopwatch.GetElapsedTime(started)) { Behind = behind, NewestEvent = maxEvent };
        }
        finally
        {
            s_oneAtATime.Release();
        }
    }

    /// <summary>
    /// Deletes the days before <see cref="KeptFrom"/>: as the days pass they fall out of every window, and no reader
    /// counts them (the totals hold all time). The server does it once a day; answers how many went.
    /// </summary>
    public async Task<int> PruneDaysAsync(CancellationToken ct)
    {
        await s_oneAtATime.WaitAsync(ct);
        try
        {
            // The day as behavior_days stores it: TEXT yyyy-MM-dd on SQLite, date on PostgreSQL.
            object kept = Sqlite ? KeptFrom.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : KeptFrom;
            return await db.Database.ExecuteSqlAsync($"DELETE FROM behavior_days WHERE day < {kept}", ct);
        }
        finally
        {
            s_oneAtATime.Release();
        }
    }

    /// <summary>Counts everything again from the events and purchases: after a restore, or to check the incremental path.</summary>
    public Task<RollupOutcome> RebuildAsync(CancellationToken ct) => RebuildAsync(null, ct);

    /// <inheritdoc cref="RebuildAsync(CancellationToken)"/>
    public Task<RollupOutcome> RebuildAsync(IProgress<RollupProgress>? progress, CancellationToken ct) => RebuildAsync(inOrder: true, progress, ct);

    /// <summary>
    /// <paramref name="inOrder"/> false counts in SQL on SQLite too (the path PostgreSQL takes): the tests compare the two.
    /// </summary>
    internal async Task<RollupOutcome> RebuildAsync(bool inOrder, IProgress<RollupProgress>? progress, CancellationToken ct)
    {
        await s_oneAtATime.WaitAsync(ct);
        try
        {
            return await RebuildLockedAsync(Stopwatch.GetTimestamp(), inOrder, progress, ct);
        }
        finally
        {
            s_oneAtATime.Release();
        }
    }

    private async Task<RollupOutcome> RebuildLockedAsync(long started, bool inOrder, IProgress<RollupProgress>? progress, CancellationToken ct)
    {
        var high = await CommittedHighAsync(ct) ?? throw new TimeoutException("Events are being stored without pause; try the rebuild again.");
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await LockAsync(ct);
        // A page cache of at least 64 MB for the rebuild's writes: fewer dirty pages spilled and written again. The
        // connection's own setting comes back afterwards (a pooled server connection keeps whatever is left on it).
        long cacheSize = 0;
        if (Sqlite) cacheSize = await EnlargeCacheAsync(ct);
        // PostgreSQL groups the events by customer and type (and day) in memory when it may use enough of it: with the
        // default 4 MB it sorts them through temporary files. For this transaction only (ADR-0041).
        else await ExecAsync("SET LOCAL work_mem = '256MB'", ct);
        try
        {
            return await RebuildInAsync(tx, started, high, inOrder, progress, ct);
        }
        finally
        {
            if (Sqlite) await RestoreCacheSizeAsync(cacheSize);
        }
    }

    /// <summary>
    /// The server's rebuild on SQLite (ADR-0044): counts in read transactions and writes a range of customers per
    /// transaction (<see cref="BuildRollup.Chunks"/>), so a batch of events waits for one write at most, never for the
    /// whole rebuild. The stale marks go first, in a transaction of their own that also records the rebuild as under
    /// way; customers marked stale after that (a merge meanwhile) are counted again by the next catch-up. Anything the
    /// ordered build cannot count is counted in SQL in one transaction, as before.
    /// </summary>
    internal async Task<RollupOutcome> RebuildInChunksAsync(long started, IProgress<RollupProgress>? progress, CancellationToken ct)
    {
        var chunks = new BuildRollup.Chunks(Guid.NewGuid().ToString("N")) { Rows = RowsPerWrite, Between = BetweenWrites };
        int recounted;
        await using (var tx = await db.Database.BeginTransactionAsync(ct))
        {
            recounted = await ExecAsync("DELETE FROM behavior_stale", ct);
            await SetAsync(RebuildMark, chunks.Token, ct);
            await tx.CommitAsync(ct);
        }
        long cacheSize = 0;
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            cacheSize = await EnlargeCacheAsync(ct);
            if (BuildRollup.TryBuild((SqliteConnection)db.Database.GetDbConnection(), 0, KeptFrom, Amount, progress, ct, out var events, out _, chunks))
                return new RollupOutcome(events, chunks.HighPurchase, recounted, true, Stopwatch.GetElapsedTime(started))
                    { InOrder = true, Writes = chunks.Writes, LongestWrite = chunks.LongestWrite };
        }
        finally
        {
            await RestoreCacheSizeAsync(cacheSize);
            await db.Database.CloseConnectionAsync();
        }
        return await RebuildLockedAsync(started, inOrder: true, progress, ct) with { Recounted = recounted };
    }

    private async Task<RollupOutcome> RebuildInAsync(Microsoft.EntityFrameworkCore.Storage.IDbContextTransaction tx, long started, (long Events, long Purchases) high,
        bool inOrder, IProgress<RollupProgress>? progress, CancellationToken ct)
    {
        var recounted = await ExecAsync("DELETE FROM behavior_stale", ct);
        // Whatever a rebuild in chunks left (stopped, or under way elsewhere and stopped by this) is counted here.
        await ExecAsync($"DELETE FROM settings WHERE key = '{RebuildMark}'", ct);
        await ExecAsync("DELETE FROM behavior_days", ct);
        await ExecAsync("DELETE FROM behavior_totals", ct);
        long events = 0;
        var summarized = false;
        var ordered = Sqlite && inOrder &&
                      BuildRollup.TryBuild((SqliteConnection)db.Database.GetDbConnection(), high.Events, KeptFrom, Amount, progress, ct, out events, out summarized,
                          indexesAfter: true);
        if (!ordered)
        {
            // Whatever an ordered build wrote before it gave up goes too.
            await ExecAsync("DELETE FROM behavior_days", ct);
            await ExecAsync("DELETE FROM behavior_totals", ct);
            await ExecAsync(InsertDays($"e.id <= {high.Events}", upsert: false, wholeTable: true), ct);
            await ExecAsync(InsertTotals($"e.id <= {high.Events}", upsert: false, wholeTable: true), ct);
            await Sql.ReadAsync(db, "SELECT COALESCE(SUM(events), 0) FROM behavior_totals", r => events = r.GetInt64(0), ct);
        }
        var aside = await SetSummaryIndexesAsideAsync(ct);
        // The ordered build set the summaries of customers with events or purchases as it went.
        if (!ordered || !summarized) await ExecAsync(UpdateSummary(null, changedOnly: true), ct);
        // Customers left with neither events nor purchases lose their summary.
        await ExecAsync(ClearSummariesLeft(SummaryTable, null), ct);
        foreach (var create in aside) await ExecAsync(create, ct);
        await SetMarksAsync(high.Events, high.Purchases, ct);
        await tx.CommitAsync(ct);
        // The customers' behaviour indexes the ordered build dropped are created once its rewrite is committed (ADR-0046).
        if (Sqlite) BuildRollup.BuildSetAside((SqliteConnection)db.Database.GetDbConnection(), ct);
        return new RollupOutcome(events, high.Purchases, recounted, true, Stopwatch.GetElapsedTime(started)) { InOrder = ordered };
    }

    /// <summary>
    /// Marks customers whose events or purchases are about to move or go, inside the caller's transaction, so the next
    /// catch-up counts them again. <paramref name="selectCustomerIds"/> is SQL selecting customer ids as a column named id (never user text).
    /// </summary>
    internal static async Task MarkStaleAsync(KithDb db, string selectCustomerIds, CancellationToken ct, params object?[] args)
    {
        if (db.Provider == DatabaseProvider.Postgres) await Sql.ExecAsync(db, $"SELECT pg_advisory_xact_lock({LockKey})", ct);
        await Sql.ExecAsync(db, $"INSERT INTO behavior_stale (customer_id) SELECT DISTINCT x.id FROM ({selectCustomerIds}) AS x WHERE x.id IS NOT NULL ON CONFLICT DO NOTHING", ct, args);
    }

    /// <summary>Marks these customers stale (a merge and its undo: both sides).</summary>
    public static Task MarkStaleAsync(KithDb db, IReadOnlyCollection<long> customerIds, CancellationToken ct) =>
        customerIds.Count == 0 ? Task.CompletedTask
            : MarkStaleAsync(db, string.Join(" UNION ", customerIds.Select(id => "SELECT " + id.ToString(CultureInfo.InvariantCulture) + " AS id")), ct);

    // ---- SQL ----

    private const string ClearSummary = "behavior_first_seen_at = NULL, behavior_last_seen_at = NULL, behavior_last_purchase_at = NULL, " +
                                        "behavior_visits = NULL, behavior_likes = NULL, behavior_purchases = NULL, behavior_revenue_micros = NULL";

    /// <summary>
    /// Clears the summaries of customers left with neither events nor purchases (only those that have one: a customer
    /// row is several hundred bytes and seven indexes), of the ids <paramref name="range"/> picks when it is given.
    /// </summary>
    internal static string ClearSummariesLeft(string table, string? range) =>
        $"UPDATE {table} SET {ClearSummary} WHERE {(range is null ? "" : range + " AND ")}(behavior_first_seen_at IS NOT NULL OR behavior_purchases IS NOT NULL) " +
        $"AND NOT EXISTS (SELECT 1 FROM behavior_totals t WHERE t.customer_id = {table}.id) " +
        $"AND NOT EXISTS (SELECT 1 FROM purchases p WHERE p.customer_id = {table}.id)";

    private const string OnConflictNothing = "ON CONFLICT DO NOTHING";

    private bool Sqlite => db.Provider == DatabaseProvider.Sqlite;

    /// <summary>Where the summary columns live (customers on SQLite, customer_behavior on PostgreSQL, ADR-0043).</summary>
    private string SummaryTable => BehaviorColumns.Table(db.Provider);

    /// <summary>
    /// On PostgreSQL, when most customers have no summary yet (the first rebuild after an import or a stream of events),
    /// drops the indexes of the summary table over its columns for the rebuild's writes (inside its transaction, so a
    /// failure brings them back) and answers the statements that create them again: one sort per index costs far less
    /// than a million random entries in seven B-trees. Over summaries already there it does not: most stay as they are
    /// and are not written, and dropping an index locks its table, so every customer list, which joins the summary
    /// table, would wait for the rebuild's writes and the index builds.
    /// </summary>
    private async Task<List<string>> SetSummaryIndexesAsideAsync(CancellationToken ct)
    {
        var creates = new List<(string Name, string Sql)>();
        if (Sqlite) return [];
        long rows = 0, summarized = 0;
        await Sql.ReadAsync(db, $"SELECT count(*), count(behavior_purchases) FROM {SummaryTable}", r => (rows, summarized) = (r.GetInt64(0), r.GetInt64(1)), ct);
        if (summarized * 2 > rows) return [];
        await Sql.ReadAsync(db, $"SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = '{SummaryTable}' AND indexdef LIKE '%(behavior_%'",
            r => creates.Add((r.GetString(0), r.GetString(1))), ct);
        foreach (var (name, _) in creates) await ExecAsync($"DROP INDEX \"{name}\"", ct);
        return creates.Select(c => c.Sql).ToList();
    }

    /// <summary>The UTC day of an event, in the form behavior_days stores it (TEXT yyyy-MM-dd on SQLite, date on PostgreSQL).</summary>
    private string Day => Sqlite ? "substr(e.occurred_at, 1, 10)" : "(e.occurred_at AT TIME ZONE 'UTC')::date";

    /// <summary>
    /// The amount of a purchase event in micros, when its properties carry a numeric "amount" (what a website sends
    /// with a purchase); otherwise NULL, so COUNT and SUM over it see only purchases with an amount.
    /// </summary>
    private string Amount => Sqlite
        // Nested CASE: SQLite evaluates it lazily, so json_type never meets text that is not JSON.
        ? "CASE WHEN e.type = 'purchase' AND json_valid(e.properties) THEN CASE WHEN json_type(e.properties, '$.amount') IN ('integer', 'real') " +
          "THEN CAST(round(json_extract(e.properties, '$.amount') * 1000000) AS INTEGER) END END"
        : "CASE WHEN e.type = 'purchase' AND e.properties IS NOT NULL AND jsonb_typeof(e.properties::jsonb -> 'amount') = 'number' " +
          "THEN round((e.properties::jsonb ->> 'amount')::numeric * 1000000)::bigint END";

    /// <summary>The first day behavior_days keeps: the first of the longest window today (ADR-0035).</summary>
    private DateOnly KeptFrom => BehaviorQueries.FirstKeptDay(BehaviorQueries.Today(clock));

    /// <summary>Days of the events matching <paramref name="where"/>, from <see cref="KeptFrom"/> on.</summary>
    private string InsertDays(string where, bool upsert, bool wholeTable = false, string into = "behavior_days")
    {
        var kept = KeptFrom.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        where = $"({where}) AND {Day} >= " + (Sqlite ? $"'{kept}'" : $"DATE '{kept}'");
        // A whole-table rebuild reads the table in order and sorts: SQLite would otherwise walk the (customer, time)
        // index and fetch each row from it, a third slower.
        var from = wholeTable && Sqlite ? "behavior_events e NOT INDEXED" : "behavior_events e";
        return $"INSERT INTO {into} (customer_id, type, day, events, first_at, last_at, amount_events, amount_micros) " +
               $"SELECT e.customer_id, e.type, e.day, COUNT(*), MIN(e.occurred_at), MAX(e.occurred_at), COUNT(e.amount), COALESCE({RevenueSums.Sum("e.amount", Sqlite)}, 0) " +
               $"FROM (SELECT e.customer_id, e.type, {Day} AS day, e.occurred_at, {Amount} AS amount FROM {from} WHERE {where}) AS e " +
               "GROUP BY e.customer_id, e.type, e.day" + (upsert ? AddToDays : "");
    }

    /// <summary>Adds the days inserted to those already there.</summary>
    private string AddToDays => AddTo("behavior_days", "customer_id, type, day");

    /// <summary>Adds the totals inserted to those already there.</summary>
    private string AddToTotals => AddTo("behavior_totals", "customer_id, type");

    private string AddTo(string table, string key)
    {
        var (min, max) = Sqlite ? ("min", "max") : ("LEAST", "GREATEST");
        return $" ON CONFLICT ({key}) DO UPDATE SET events = {table}.events + excluded.events, " +
               $"first_at = {min}({table}.first_at, excluded.first_at), last_at = {max}({table}.last_at, excluded.last_at), " +
               $"amount_events = {table}.amount_events + excluded.amount_events, amount_micros = {RevenueSums.Add($"{table}.amount_micros", "excluded.amount_micros")}";
    }

    /// <summary>
    /// Totals of the events matching <paramref name="where"/>, counted from the events (the days keep only recent
    /// history); <paramref name="upsert"/> adds them to existing totals (the catch-up's new rows).
    /// </summary>
    private string InsertTotals(string where, bool upsert, bool wholeTable = false, string into = "behavior_totals")
    {
        var from = wholeTable && Sqlite ? "behavior_events e NOT INDEXED" : "behavior_events e";
        return $"INSERT INTO {into} (customer_id, type, events, first_at, last_at, amount_events, amount_micros) " +
               $"SELECT e.customer_id, e.type, COUNT(*), MIN(e.occurred_at), MAX(e.occurred_at), COUNT(e.amount), COALESCE({RevenueSums.Sum("e.amount", Sqlite)}, 0) " +
               $"FROM (SELECT e.customer_id, e.type, e.occurred_at, {Amount} AS amount FROM {from} WHERE {where}) AS e GROUP BY e.customer_id, e.type" + (upsert ? AddToTotals : "");
    }

    /// <summary>
    /// Sets the summary columns of the customers matching <paramref name="filter"/> (all when null) from their totals and
    /// purchases. Purchases and revenue add the purchases table and the purchase events that carry an amount.
    /// </summary>
    /// <param name="changedOnly">Leave rows whose columns would not change unwritten (the full rebuild).</param>
    private string UpdateSummary(string? filter, bool changedOnly = false)
    {
        var where = filter is null ? "" : "WHERE " + filter;
        // All purchases: read in table order and grouped (a sort), not customer by customer through the index and a
        // lookup of each row's amount (random reads: four times the CPU at three million purchases).
        var purchases = filter is null && Sqlite ? "purchases NOT INDEXED" : "purchases";
        var differs = Sqlite ? "IS NOT" : "IS DISTINCT FROM";
        var changed = !changedOnly ? "" : string.Join(" OR ", new[]
        {
            ("behavior_first_seen_at", "first_seen"), ("behavior_last_seen_at", "last_seen"), ("behavior_last_purchase_at", "last_purchase"),
            ("behavior_visits", "visits"), ("behavior_likes", "likes"), ("behavior_purchases", "purchases"), ("behavior_revenue_micros", "revenue"),
        }.Select(c => $"{SummaryTable}.{c.Item1} {differs} s.{c.Item2}"));
        return $"UPDATE {SummaryTable} SET behavior_first_seen_at = s.first_seen, behavior_last_seen_at = s.last_seen, behavior_last_purchase_at = s.last_purchase, " +
               "behavior_visits = s.visits, behavior_likes = s.likes, behavior_purchases = s.purchases, behavior_revenue_micros = s.revenue FROM (" +
               "SELECT x.customer_id, MIN(x.first_at) AS first_seen, MAX(x.last_at) AS last_seen, MAX(x.last_purchase) AS last_purchase, " +
               $"SUM(x.visits) AS visits, SUM(x.likes) AS likes, SUM(x.purchases) AS purchases, {RevenueSums.Sum("x.revenue", Sqlite)} AS revenue FROM (" +
               "SELECT customer_id, first_at, last_at, CASE WHEN type = 'purchase' THEN last_at END AS last_purchase, " +
               "CASE WHEN type = 'access' THEN events ELSE 0 END AS visits, CASE WHEN type = 'like' THEN events ELSE 0 END AS likes, " +
               $"amount_events AS purchases, amount_micros AS revenue FROM behavior_totals {where} " +
               $"UNION ALL SELECT customer_id, NULL, NULL, MAX(ordered_at), 0, 0, COUNT(*), {RevenueSums.Sum("amount_micros", Sqlite)} " +
               $"FROM {purchases} {where} GROUP BY customer_id) AS x GROUP BY x.customer_id) AS s WHERE {SummaryTable}.id = s.customer_id" +
               (changed.Length > 0 ? $" AND ({changed})" : "");
    }

    private async Task CreateAffectedAsync(CancellationToken ct) =>
        await ExecAsync(Sqlite
            ? "CREATE TEMP TABLE IF NOT EXISTS behavior_affected (customer_id INTEGER PRIMARY KEY)"
            : "CREATE TEMP TABLE behavior_affected (customer_id bigint PRIMARY KEY) ON COMMIT DROP", ct);

    private async Task DropAffectedAsync(CancellationToken ct)
    {
        if (Sqlite) await ExecAsync("DROP TABLE behavior_affected", ct);
    }

    private async Task LockAsync(CancellationToken ct)
    {
        if (!Sqlite) await ExecAsync($"SELECT pg_advisory_xact_lock({LockKey})", ct);
    }

    /// <summary>
    /// The highest event and purchase ids below which every id is committed, or null when PostgreSQL could not get the
    /// moment's lock within a few seconds (a long import batch is being written; the next catch-up tries again).
    /// </summary>
    private async Task<(long Events, long Purchases)?> CommittedHighAsync(CancellationToken ct)
    {
        if (Sqlite) return (await MaxIdAsync("behavior_events", ct), await MaxIdAsync("purchases", ct));
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        try
        {
            await ExecAsync("SET LOCAL lock_timeout = '5s'", ct);
            await ExecAsync("LOCK TABLE behavior_events, purchases IN SHARE MODE", ct);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.LockNotAvailable)
        {
            return null;
        }
        var high = (await MaxIdAsync("behavior_events", ct), await MaxIdAsync("purchases", ct));
        await tx.CommitAsync(ct);
        return high;
    }

    /// <summary>
    /// On SQLite, creates the customers' behaviour indexes a rebuild committed without and recorded (a crash between its
    /// commit and their build, ADR-0046); one primary-key probe of settings when there are none.
    /// </summary>
    private async Task BuildIndexesSetAsideAsync(CancellationToken ct)
    {
        if (!Sqlite) return;
        var prefix = BuildRollup.AsidePrefix;
        var any = false;
        // The prefix ends with '.', and '/' follows '.': a range of the primary key.
        await Sql.ReadAsync(db, $"SELECT 1 FROM settings WHERE key > '{prefix}' AND key < '{prefix[..^1]}/' LIMIT 1", _ => any = true, ct);
        if (!any) return;
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            BuildRollup.BuildSetAside((SqliteConnection)db.Database.GetDbConnection(), ct);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>Replaces the days and totals of the customers in behavior_affected with a count of their events up to id <paramref name="upTo"/>.</summary>
    private async Task RecountAffectedAsync(long upTo, CancellationToken ct)
    {
        const string theirs = "customer_id IN (SELECT customer_id FROM behavior_affected)";
        await ExecAsync($"DELETE FROM behavior_days WHERE {theirs}", ct);
        await ExecAsync($"DELETE FROM behavior_totals WHERE {theirs}", ct);
        await ExecAsync(InsertDays($"e.{theirs} AND e.id <= {upTo}", upsert: false), ct);
        await ExecAsync(InsertTotals($"e.{theirs} AND e.id <= {upTo}", upsert: false), ct);
    }

    private async Task<long> MaxIdAsync(string table, CancellationToken ct)
    {
        long max = 0;
        await Sql.ReadAsync(db, $"SELECT COALESCE(MAX(id), 0) FROM {table}", r => max = r.GetInt64(0), ct);
        return max;
    }

    private async Task<(long Events, long Purchases, bool Rebuilding)> MarksAsync(CancellationToken ct)
    {
        var marks = await db.Settings.AsNoTracking().Where(s => s.Key == EventsMark || s.Key == PurchasesMark || s.Key == RebuildMark)
            .ToDictionaryAsync(s => s.Key, s => s.Value, ct);
        return (Parse(marks, EventsMark), Parse(marks, PurchasesMark), marks.ContainsKey(RebuildMark));

        static long Parse(Dictionary<string, string> marks, string key) =>
            marks.TryGetValue(key, out var v) && long.TryParse(v, CultureInfo.InvariantCulture, out var n) ? n : 0;
    }

    private async Task SetMarksAsync(long events, long purchases, CancellationToken ct)
    {
        foreach (var (key, value) in new[] { (EventsMark, events), (PurchasesMark, purchases) })
            await SetAsync(key, value.ToString(CultureInfo.InvariantCulture), ct);
    }

    private Task<int> SetAsync(string key, string value, CancellationToken ct) =>
        Sql.ExecAsync(db, $"INSERT INTO settings (key, value) VALUES ({Sql.P(db, 0)}, {Sql.P(db, 1)}) ON CONFLICT (key) DO UPDATE SET value = excluded.value", ct, key, value);

    private async Task<int> ExecAsync(string sql, CancellationToken ct)
    {
        if (!Sqlite || !sql.Contains(RevenueSums.Marker, StringComparison.Ordinal)) return await Sql.ExecAsync(db, sql, ct);
        try
        {
            return await Sql.ExecAsync(db, sql, ct);
        }
        catch (SqliteException e) when (e.Message.Contains("integer overflow", StringComparison.Ordinal))
        {
            // A customer's revenue passed the largest: SQLite undid this statement alone; again, saturating (RevenueSums).
            return await Sql.ExecAsync(db, RevenueSums.Saturating(sql), ct);
        }
    }

    /// <summary>Gives the connection a page cache of 64 MB for a rebuild's writes (SQLite); answers the size it had.</summary>
    private async Task<long> EnlargeCacheAsync(CancellationToken ct)
    {
        long size = 0;
        await Sql.ReadAsync(db, "PRAGMA cache_size", r => size = r.GetInt64(0), ct);
        await ExecAsync("PRAGMA cache_size = -65536", ct);
        return size;
    }

    /// <summary>
    /// Gives the connection its page cache back. After an error (a full disk, say) SQLite may have rolled the rebuild's
    /// transaction back itself: the statement then fails for that, and must not hide the error that got there.
    /// </summary>
    private async Task RestoreCacheSizeAsync(long size)
    {
        try
        {
            await ExecAsync($"PRAGMA cache_size = {size}", CancellationToken.None);
        }
        catch (InvalidOperationException)
        {
        }
    }
}
