using System.Diagnostics;
using System.Globalization;
using DuckDB.NET.Data;
using Kith.Core.Behavior;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using nietras.SeparatedValues;
using Npgsql;
using NpgsqlTypes;

// Kith.BehaviorBench: the per-customer behaviour counts of docs/benchmarks.md, Kith against DuckDB (pandas is timed by
// bench/behavior.sh in the same run).
//   Kith.BehaviorBench --data-dir DIR --events-csv FILE --out DIR [--provider sqlite|postgres] [--database CONN]
// The database must hold the customers already (Kith.Bench load), with ids equal to the file's customer ids.
// Steps: load the events (timed, not compared), full rebuild of the rollup, analyze (the CSV from the maintained
// rollup), catch-up after 1% more events, and DuckDB's statement of ../shared/bench/duckdb_pipeline.sql over the CSV.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var opts = new Dictionary<string, string>();
for (var i = 0; i + 1 < args.Length; i += 2) opts[args[i].TrimStart('-')] = args[i + 1];
if (!opts.ContainsKey("data-dir") || !opts.ContainsKey("events-csv") || !opts.ContainsKey("out"))
{
    Console.WriteLine("usage: Kith.BehaviorBench --data-dir DIR --events-csv FILE --out DIR [--provider sqlite|postgres] [--database CONN] [--existing yes]");
    return 2;
}
var options = DatabaseOptions.Resolve(opts["data-dir"], opts.GetValueOrDefault("provider") ?? "sqlite", opts.GetValueOrDefault("database"));
var events = Path.GetFullPath(opts["events-csv"]);
var outDir = Path.GetFullPath(opts["out"]);
Directory.CreateDirectory(outDir);
var ct = CancellationToken.None;

await using var db = DatabaseRegistration.Open(options);
await db.Database.OpenConnectionAsync(ct);
var adminId = await db.Users.Where(u => u.Role == Role.Admin).Select(u => u.Id).FirstAsync(ct);
var scope = await AccessScope.ForUserAsync(db, adminId, ct) ?? throw new InvalidOperationException("no admin");

// --existing yes: the store already holds these events (say from `kith import all`, which merges duplicate people,
// so its counts are not the file's): only the analysis and DuckDB are timed, side by side.
var existing = opts.GetValueOrDefault("existing") == "yes";
var watch = Stopwatch.StartNew();
var loaded = existing ? 0 : await EventLoad.RunAsync(db, events, long.MaxValue, replay: false, ct);
if (!existing) Console.WriteLine($"load events: {loaded:N0} rows in {watch.Elapsed.TotalSeconds:F1} s (bench loader, not compared)");

var rollup = new BehaviorRollup(db, TimeProvider.System);
var rebuild = existing ? await rollup.CatchUpAsync(ct) : await rollup.RebuildAsync(ct);
Console.WriteLine($"kith {(existing ? "catch-up" : "rebuild")}: {rebuild.Elapsed.TotalSeconds:F3} s ({rebuild.Events:N0} daily buckets)");

var kithCsv = Path.Combine(outDir, "kith_behavior.csv");
double analyze = double.MaxValue;
for (var run = 0; run < 3; run++)
{
    await using var file = File.Create(kithCsv);
    var outcome = await new AnalyzeBehavior(db, rollup).WriteCsvAsync(file, scope, null, ct);
    analyze = Math.Min(analyze, outcome.Elapsed.TotalSeconds);
    Console.WriteLine($"kith analyze run {run + 1}: {outcome.Elapsed.TotalSeconds:F3} s ({outcome.Customers:N0} customers)");
}

// 1% more events, as if they had arrived since the last catch-up.
var catchUp = RollupOutcome.Nothing;
if (!existing)
{
    await EventLoad.RunAsync(db, events, Math.Max(1, loaded / 100), replay: true, ct);
    catchUp = await rollup.CatchUpAsync(ct);
    Console.WriteLine($"kith catch-up of {catchUp.Events:N0} new events: {catchUp.Elapsed.TotalSeconds:F3} s");
}

double duck = double.MaxValue;
var duckCsv = Path.Combine(outDir, "duckdb_behavior.csv");
for (var run = 0; run < 3; run++)
{
    using var duckdb = new DuckDBConnection("DataSource=:memory:");
    duckdb.Open();
    using var cmd = duckdb.CreateCommand();
    // The behaviour statement of ../shared/bench/duckdb_pipeline.sql, verbatim but for the paths.
    cmd.CommandText = $"""
        copy (select customer_id,
                     count(*) filter (where event_type = 'access') "access",
                     count(*) filter (where event_type = 'like') "like",
                     count(*) filter (where event_type = 'purchase') "purchase"
              from read_csv('{events}') group by customer_id order by customer_id)
          to '{duckCsv}' (header);
        """;
    var w = Stopwatch.StartNew();
    cmd.ExecuteNonQuery();
    duck = Math.Min(duck, w.Elapsed.TotalSeconds);
    Console.WriteLine($"duckdb run {run + 1}: {w.Elapsed.TotalSeconds:F3} s");
}

Console.WriteLine($"same output as duckdb: {File.ReadAllText(kithCsv) == File.ReadAllText(duckCsv)}");
Console.WriteLine($"RESULT kith_rebuild={rebuild.Elapsed.TotalSeconds:F3} kith_analyze={analyze:F3} kith_catchup={catchUp.Elapsed.TotalSeconds:F3} catchup_events={catchUp.Events} duckdb={duck:F3} analyze_over_duckdb={analyze / duck:F2} rebuild_plus_analyze_over_duckdb={(rebuild.Elapsed.TotalSeconds + analyze) / duck:F2}");
return 0;

/// <summary>
/// Puts behavior_data.csv rows into behavior_events the fastest honest way for a benchmark (prepared INSERT in big
/// transactions on SQLite, binary COPY on PostgreSQL), secondary indexes set aside and built after as BulkMode does.
/// </summary>
internal static class EventLoad
{
    public static async Task<long> RunAsync(Kith.Core.Infrastructure.KithDb db, string csv, long take, bool replay, CancellationToken ct)
    {
        var conn = db.Database.GetDbConnection();
        var sqlite = db.Provider == DatabaseProvider.Sqlite;
        // A replay gives the file's first rows new event ids: "more events" for the same customers.
        var suffix = replay ? "-more" : "";
        var skip = 0L;
        using var reader = Sep.Reader().FromFile(csv);
        long n = 0, read = 0;
        if (sqlite)
        {
            var c = (SqliteConnection)conn;
            if (!replay) await Exec(db, "DROP INDEX IF EXISTS ix_behavior_events_customer_id_occurred_at");
            var tx = c.BeginTransaction();
            using var cmd = c.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = "INSERT INTO behavior_events (event_id, customer_id, type, occurred_at, page) VALUES ($e, $c, $t, $o, $p)";
            var (pe, pc, pt, po, pp) = (cmd.Parameters.Add("$e", SqliteType.Text), cmd.Parameters.Add("$c", SqliteType.Integer),
                cmd.Parameters.Add("$t", SqliteType.Text), cmd.Parameters.Add("$o", SqliteType.Text), cmd.Parameters.Add("$p", SqliteType.Text));
            cmd.Prepare();
            foreach (var row in reader)
            {
                if (read++ < skip) continue;
                if (n >= take) break;
                pe.Value = row[0].ToString() + suffix;
                pc.Value = long.Parse(row[1].Span, CultureInfo.InvariantCulture);
                pt.Value = row[2].ToString();
                // EF's SQLite text form of a UTC DateTime: 2022-01-01T00:00:32Z -> 2022-01-01 00:00:32
                po.Value = row[3].ToString().Replace('T', ' ').TrimEnd('Z');
                pp.Value = row[4].ToString();
                cmd.ExecuteNonQuery();
                if (++n % 500_000 == 0)
                {
                    tx.Commit();
                    tx = c.BeginTransaction();
                    cmd.Transaction = tx;
                }
            }
            tx.Commit();
            if (!replay) await Exec(db, "CREATE INDEX IF NOT EXISTS ix_behavior_events_customer_id_occurred_at ON behavior_events (customer_id, occurred_at)");
            return n;
        }
        var pg = (NpgsqlConnection)conn;
        if (!replay) await Exec(db, "DROP INDEX IF EXISTS ix_behavior_events_customer_id_occurred_at");
        // Synchronous writes: a Sep row cannot live across an await.
        using (var copy = pg.BeginBinaryImport("COPY behavior_events (event_id, customer_id, type, occurred_at, page) FROM STDIN (FORMAT BINARY)"))
        {
            // The foreign-key checks of all the rows run when the COPY completes: minutes at L, not the default 30 s.
            copy.Timeout = TimeSpan.Zero;
            foreach (var row in reader)
            {
                if (read++ < skip) continue;
                if (n >= take) break;
                copy.StartRow();
                copy.Write(row[0].ToString() + suffix, NpgsqlDbType.Varchar);
                copy.Write(long.Parse(row[1].Span, CultureInfo.InvariantCulture), NpgsqlDbType.Bigint);
                copy.Write(row[2].ToString(), NpgsqlDbType.Varchar);
                copy.Write(DateTime.Parse(row[3].ToString(), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal), NpgsqlDbType.TimestampTz);
                copy.Write(row[4].ToString(), NpgsqlDbType.Varchar);
                n++;
            }
            copy.Complete();
        }
        if (!replay)
        {
            await Exec(db, "CREATE INDEX IF NOT EXISTS ix_behavior_events_customer_id_occurred_at ON behavior_events (customer_id, occurred_at)");
            await Exec(db, "ANALYZE behavior_events");
        }
        return n;
    }

    private static async Task Exec(Kith.Core.Infrastructure.KithDb db, string sql)
    {
        await using var cmd = db.Database.GetDbConnection().CreateCommand();
        cmd.CommandText = sql;
        cmd.CommandTimeout = 0;
        await cmd.ExecuteNonQueryAsync();
    }
}
