using System.Globalization;
using Kith.Core.Importing;
using Kith.Core.Infrastructure;

namespace Kith.Core.Analytics;

/// <summary>
/// The counts behind cohort retention, kept in the database and brought up to date by the behaviour catch-up
/// (<see cref="Behavior.BehaviorRollup"/>) in its transaction (ADR-0020):
/// <list type="bullet">
/// <item><c>cohort_members</c>: each live customer's owner, signup month and first-purchase month;</item>
/// <item><c>cohort_sizes</c> (basis, owner, cohort month → customers) and <c>cohort_active</c> (basis, event type or ''
/// for any, owner, cohort month, months after it → customers active in that month).</item>
/// </list>
/// Invariant: the two cubes are exactly what <c>cohort_members</c> and the months of <c>behavior_days</c> add up to.
/// So a change to some customers is applied by taking their whole part out (from their stored members row and
/// their days as they are), letting the rollup change their days, reading their members row again, and putting their
/// part back: new events, a merge, a signup date edited, an earlier purchase, an owner change, a delete all go the
/// same way, and cost what those customers' histories hold, not what the table holds.
/// <para>
/// Customers whose cohort or reach changed without a new event are marked in <c>cohort_stale</c> by triggers on
/// customers and purchases (migration CohortCounts), so no code path can forget to.
/// </para>
/// </summary>
internal sealed class CohortCounts(KithDb db)
{
    /// <summary>Settings key: when the counts were last brought up to date (absent: never counted, the next catch-up counts everything).</summary>
    public const string CountedAtKey = "analytics.cohorts.counted_at";

    /// <summary>Bases in the order of <see cref="CohortBy"/>, with the members column holding each customer's cohort month.</summary>
    private static readonly (CohortBy Basis, string Column)[] Bases = [(CohortBy.Signup, "signup_month"), (CohortBy.FirstPurchase, "first_purchase_month")];

    private const string Affected = "customer_id IN (SELECT customer_id FROM cohort_affected)";

    private readonly AnalyticsSql _sql = new(db);

    private bool Sqlite => db.Provider == DatabaseProvider.Sqlite;

    /// <summary>Customers marked by the triggers since the last catch-up.</summary>
    public async Task<long> StaleAsync(CancellationToken ct)
    {
        long n = 0;
        await Sql.ReadAsync(db, "SELECT COUNT(*) FROM cohort_stale", r => n = r.GetInt64(0), ct);
        return n;
    }

    public async Task<DateTime?> CountedAtAsync(CancellationToken ct)
    {
        string? text = null;
        // Plain SQL rather than a LINQ query: the first read after a start does not wait for EF to compile one.
        await Sql.ReadAsync(db, $"SELECT value FROM settings WHERE key = {Sql.P(db, 0)}", r => text = r.GetString(0), ct, CountedAtKey);
        return DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var at) ? at : null;
    }

    /// <summary>
    /// First half of an incremental update, before the rollup changes any days: takes the triggers' marks, adds the
    /// customers <paramref name="selectCustomerIds"/> names (SQL selecting a customer_id column: those with new events or
    /// purchases, and those the rollup recounts), and takes their part out of the cubes.
    /// </summary>
    public async Task BeginAsync(string selectCustomerIds, CancellationToken ct)
    {
        await ExecAsync(Sqlite
            ? "CREATE TEMP TABLE IF NOT EXISTS cohort_affected (customer_id INTEGER PRIMARY KEY)"
            : "CREATE TEMP TABLE cohort_affected (customer_id bigint PRIMARY KEY) ON COMMIT DROP", ct);
        await TakeMarksAsync("INSERT INTO cohort_affected (customer_id) SELECT customer_id FROM", ct);
        await ExecAsync($"INSERT INTO cohort_affected (customer_id) SELECT DISTINCT x.customer_id FROM ({selectCustomerIds}) AS x WHERE x.customer_id IS NOT NULL ON CONFLICT DO NOTHING", ct);
        await AddAsync(-1, Affected, ct);
    }

    /// <summary>Second half: reads the affected customers' cohorts again and puts their part back, from their days as they are now.</summary>
    public async Task EndAsync(DateTime now, CancellationToken ct)
    {
        await ExecAsync($"DELETE FROM cohort_members WHERE {Affected}", ct);
        await InsertMembersAsync(Affected, ct);
        await AddAsync(+1, Affected, ct);
        await ExecAsync("DELETE FROM cohort_sizes WHERE customers = 0", ct);
        await ExecAsync("DELETE FROM cohort_active WHERE customers = 0", ct);
        if (Sqlite) await ExecAsync("DROP TABLE cohort_affected", ct);
        await SetCountedAtAsync(now, ct);
    }

    /// <summary>Counts everything again from the customers, purchases and days: the first time, after a restore, or when most customers changed.</summary>
    public async Task RebuildAsync(DateTime now, CancellationToken ct)
    {
        await TakeMarksAsync(null, ct);
        await ExecAsync("DELETE FROM cohort_members", ct);
        await ExecAsync("DELETE FROM cohort_sizes", ct);
        await ExecAsync("DELETE FROM cohort_active", ct);
        await InsertMembersAsync(null, ct);
        await AddAsync(+1, null, ct);
        await SetCountedAtAsync(now, ct);
    }

    /// <summary>
    /// Takes these customers' part out of the cubes and forgets their members rows, before their days are deleted
    /// outside the rollup (erasure); marks them, so the next catch-up counts them again if they are still live.
    /// </summary>
    public static async Task ForgetAsync(KithDb db, string idList, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(idList)) return;
        var counts = new CohortCounts(db);
        var only = $"customer_id IN ({idList})";
        await counts.AddAsync(-1, only, ct);
        await counts.ExecAsync($"DELETE FROM cohort_members WHERE {only}", ct);
        await counts.ExecAsync($"INSERT INTO cohort_stale (customer_id) SELECT id FROM customers WHERE id IN ({idList}) ON CONFLICT DO NOTHING", ct);
    }

    /// <summary>
    /// Deletes the triggers' marks, first: on PostgreSQL the DELETE waits for a transaction that is marking one of
    /// them (its upsert holds the row), so the customers read afterwards include that transaction's change.
    /// </summary>
    private async Task TakeMarksAsync(string? insertInto, CancellationToken ct)
    {
        if (insertInto is null) await ExecAsync("DELETE FROM cohort_stale", ct);
        else if (Sqlite)
        {
            // WHERE true: without it SQLite would read ON CONFLICT as a join constraint.
            await ExecAsync($"{insertInto} cohort_stale WHERE true ON CONFLICT DO NOTHING", ct);
            await ExecAsync("DELETE FROM cohort_stale", ct);
        }
        else await ExecAsync($"WITH taken AS (DELETE FROM cohort_stale RETURNING customer_id) {insertInto} taken ON CONFLICT DO NOTHING", ct);
    }

    private async Task InsertMembersAsync(string? only, CancellationToken ct)
    {
        var signup = _sql.MonthIndex(Sqlite ? "COALESCE(c.signup_date, c.created_at)" : "COALESCE(c.signup_date, CAST(c.created_at AT TIME ZONE 'UTC' AS DATE))");
        var firstPurchase = _sql.MonthIndex(_sql.Utc("p.ordered_at"));
        await ExecAsync("INSERT INTO cohort_members (customer_id, owner_id, signup_month, first_purchase_month) " +
                        $"SELECT c.id, c.owner_id, {signup}, fp.month FROM customers c " +
                        $"LEFT JOIN (SELECT p.customer_id, MIN({firstPurchase}) AS month FROM purchases p {Where(only, "p.")} GROUP BY p.customer_id) AS fp ON fp.customer_id = c.id " +
                        $"WHERE {AnalyticsSql.Reach(AnalyticsSql.Everyone)}" + (only is null ? "" : $" AND c.id IN (SELECT customer_id FROM cohort_affected)"), ct);
    }

    /// <summary>
    /// Adds (<paramref name="sign"/> +1) or takes out (−1) the part of the customers matching <paramref name="only"/>
    /// (a condition on customer_id; null: everyone): their members rows, and the distinct months of their days.
    /// </summary>
    private async Task AddAsync(int sign, string? only, CancellationToken ct)
    {
        var count = sign > 0 ? "COUNT(*)" : "-COUNT(*)";
        foreach (var (basis, column) in Bases)
            await ExecAsync("INSERT INTO cohort_sizes (basis, owner_id, cohort, customers) " +
                            $"SELECT {(int)basis}, owner_id, {column}, {count} FROM cohort_members WHERE {column} IS NOT NULL{And(only)} GROUP BY owner_id, {column} " +
                            "ON CONFLICT (basis, owner_id, cohort) DO UPDATE SET customers = cohort_sizes.customers + excluded.customers", ct);

        await ExecAsync(Sqlite
            ? "CREATE TEMP TABLE IF NOT EXISTS cohort_months (customer_id INTEGER NOT NULL, month INTEGER NOT NULL, type TEXT NOT NULL, PRIMARY KEY (customer_id, month, type)) WITHOUT ROWID"
            : "CREATE TEMP TABLE IF NOT EXISTS cohort_months (customer_id bigint NOT NULL, month integer NOT NULL, type text NOT NULL, PRIMARY KEY (customer_id, month, type)) ON COMMIT DROP", ct);
        await ExecAsync("DELETE FROM cohort_months", ct);
        await ExecAsync($"INSERT INTO cohort_months (customer_id, month, type) SELECT DISTINCT d.customer_id, {_sql.MonthIndex("d.day")}, d.type FROM behavior_days d {Where(only, "d.")}", ct);
        // Each customer-month once per type, and once more as '' (active in any way): one row per customer and month.
        const string months = "SELECT customer_id, month, type FROM cohort_months UNION ALL SELECT customer_id, month, '' FROM cohort_months GROUP BY customer_id, month";
        foreach (var (basis, column) in Bases)
            await ExecAsync("INSERT INTO cohort_active (basis, type, owner_id, cohort, month_offset, customers) " +
                            $"SELECT {(int)basis}, a.type, m.owner_id, m.{column}, a.month - m.{column}, {count} " +
                            $"FROM ({months}) AS a JOIN cohort_members m ON m.customer_id = a.customer_id " +
                            $"WHERE m.{column} IS NOT NULL AND a.month >= m.{column} " +
                            $"GROUP BY a.type, m.owner_id, m.{column}, a.month - m.{column} " +
                            "ON CONFLICT (basis, type, owner_id, cohort, month_offset) DO UPDATE SET customers = cohort_active.customers + excluded.customers", ct);
        await ExecAsync("DROP TABLE cohort_months", ct);
    }

    private static string And(string? only) => only is null ? "" : " AND " + only;

    private static string Where(string? only, string alias) => only is null ? "" : "WHERE " + alias + only;

    private async Task SetCountedAtAsync(DateTime now, CancellationToken ct) =>
        await Sql.ExecAsync(db, $"INSERT INTO settings (key, value) VALUES ({Sql.P(db, 0)}, {Sql.P(db, 1)}) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            ct, CountedAtKey, now.ToString("O", CultureInfo.InvariantCulture));

    private Task<int> ExecAsync(string sql, CancellationToken ct) => Sql.ExecAsync(db, sql, ct);
}
