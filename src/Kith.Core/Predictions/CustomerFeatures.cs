using System.Data.Common;
using System.Globalization;
using Kith.Core.Infrastructure;
using Kith.Core.Purchases;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Kith.Core.Predictions;

/// <summary>
/// What is known about each customer at one instant, read with two grouped scans (events, orders) and nothing after
/// that instant, so the same code describes customers "90 days ago" for training and "now" for scoring.
/// </summary>
internal sealed class CustomerFeatures
{
    public const int Count = 11;

    public static readonly string[] Names =
    [
        "days since last activity", "days since last purchase", "visits in 30 days", "visits in the 30 days before",
        "likes in 30 days", "orders in 90 days", "orders in the 90 days before", "purchase events in 90 days",
        "purchase events in the 90 days before", "spent in 90 days", "days as a customer",
    ];

    /// <summary>Caps keep a customer never seen from weighing like one gone for decades.</summary>
    private const double MaxDays = 730;

    public long CustomerId;
    public double DaysSinceLastSeen = MaxDays;
    public double DaysSinceLastPurchase = MaxDays;
    public double Visits30, VisitsPrev30, Likes30, Orders90, OrdersPrev90, PurchaseEvents90, PurchaseEventsPrev90, Revenue90, TenureDays;
    /// <summary>Any activity in the 180 days before the instant: only such customers can lapse, so only they train the churn model.</summary>
    public bool RecentlyActive;

    public double this[int i] => i switch
    {
        0 => DaysSinceLastSeen, 1 => DaysSinceLastPurchase, 2 => Visits30, 3 => VisitsPrev30, 4 => Likes30, 5 => Orders90,
        6 => OrdersPrev90, 7 => PurchaseEvents90, 8 => PurchaseEventsPrev90, 9 => Revenue90, _ => TenureDays,
    };

    /// <summary>Counts and amounts are log-scaled: the tenth order says less than the first.</summary>
    public float[] Vector()
    {
        var v = new float[Count];
        for (var i = 0; i < Count; i++) v[i] = (float)Math.Log(1 + Math.Max(0, this[i]));
        return v;
    }

    public static async Task<Dictionary<long, CustomerFeatures>> ReadAsync(KithDb db, DateTime at, CancellationToken ct)
    {
        var all = new Dictionary<long, CustomerFeatures>();
        var conn = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            // Customers imported today may have years of history: tenure runs from the earliest of their signup date,
            // their record's creation and their first activity.
            var since = new Dictionary<long, DateTime>();
            await ReadAsync(conn, db, "SELECT id, created_at, signup_date FROM customers WHERE deleted_at IS NULL", [], r =>
            {
                var created = Instant(r.GetValue(1));
                since[r.GetInt64(0)] = r.IsDBNull(2) ? created : Min(created, SignupDay(r.GetValue(2)));
                all[r.GetInt64(0)] = new CustomerFeatures { CustomerId = r.GetInt64(0) };
            }, ct);
            (string, object)[] windows =
                [("@t", at), ("@d30", at.AddDays(-30)), ("@d60", at.AddDays(-60)), ("@d90", at.AddDays(-90)), ("@d180", at.AddDays(-180))];
            await ReadAsync(conn, db, """
                SELECT e.customer_id, MAX(e.occurred_at),
                  SUM(CASE WHEN e.type = 'access' AND e.occurred_at >= @d30 THEN 1 ELSE 0 END),
                  SUM(CASE WHEN e.type = 'access' AND e.occurred_at >= @d60 AND e.occurred_at < @d30 THEN 1 ELSE 0 END),
                  SUM(CASE WHEN e.type = 'like' AND e.occurred_at >= @d30 THEN 1 ELSE 0 END),
                  SUM(CASE WHEN e.type = 'purchase' AND e.occurred_at >= @d90 THEN 1 ELSE 0 END),
                  SUM(CASE WHEN e.type = 'purchase' AND e.occurred_at >= @d180 AND e.occurred_at < @d90 THEN 1 ELSE 0 END),
                  MAX(CASE WHEN e.type = 'purchase' THEN e.occurred_at END), MIN(e.occurred_at)
                FROM behavior_events AS e WHERE e.occurred_at < @t GROUP BY e.customer_id
                """, windows, r =>
            {
                if (!all.TryGetValue(r.GetInt64(0), out var f)) return;
                var last = Instant(r.GetValue(1));
                f.DaysSinceLastSeen = Math.Min(f.DaysSinceLastSeen, Days(at, last));
                f.RecentlyActive |= last >= at.AddDays(-180);
                f.Visits30 = r.GetInt64(2);
                f.VisitsPrev30 = r.GetInt64(3);
                f.Likes30 = r.GetInt64(4);
                f.PurchaseEvents90 = r.GetInt64(5);
                f.PurchaseEventsPrev90 = r.GetInt64(6);
                if (!r.IsDBNull(7)) f.DaysSinceLastPurchase = Math.Min(f.DaysSinceLastPurchase, Days(at, Instant(r.GetValue(7))));
                since[f.CustomerId] = Min(since[f.CustomerId], Instant(r.GetValue(8)));
            }, ct);
            await ReadAsync(conn, db, $"""
                SELECT p.customer_id, MAX(p.ordered_at),
                  SUM(CASE WHEN p.ordered_at >= @d90 THEN 1 ELSE 0 END),
                  SUM(CASE WHEN p.ordered_at >= @d180 AND p.ordered_at < @d90 THEN 1 ELSE 0 END),
                  {AmountSum(db)}(CASE WHEN p.ordered_at >= @d90 THEN p.amount_micros ELSE 0 END), MIN(p.ordered_at)
                FROM purchases AS p WHERE p.ordered_at < @t GROUP BY p.customer_id
                """, windows, r =>
            {
                if (!all.TryGetValue(r.GetInt64(0), out var f)) return;
                var last = Instant(r.GetValue(1));
                f.DaysSinceLastSeen = Math.Min(f.DaysSinceLastSeen, Days(at, last));
                f.DaysSinceLastPurchase = Math.Min(f.DaysSinceLastPurchase, Days(at, last));
                f.RecentlyActive |= last >= at.AddDays(-180);
                f.Orders90 = r.GetInt64(2);
                f.OrdersPrev90 = r.GetInt64(3);
                f.Revenue90 = Convert.ToDouble(r.GetValue(4), CultureInfo.InvariantCulture) / Purchase.MicrosPerUnit;
                since[f.CustomerId] = Min(since[f.CustomerId], Instant(r.GetValue(5)));
            }, ct);
            foreach (var f in all.Values) f.TenureDays = Math.Max(0, (at - since[f.CustomerId]).TotalDays);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
        return all;
    }

    /// <summary>Who did anything in [from, to), and what they spent on orders then: the outcome a model learns.</summary>
    public static async Task<(HashSet<long> Active, Dictionary<long, double> Spent)> OutcomesAsync(KithDb db, DateTime from, DateTime to, CancellationToken ct)
    {
        var active = new HashSet<long>();
        var spent = new Dictionary<long, double>();
        var conn = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            (string, object)[] range = [("@from", from), ("@to", to)];
            await ReadAsync(conn, db, "SELECT DISTINCT e.customer_id FROM behavior_events AS e WHERE e.occurred_at >= @from AND e.occurred_at < @to", range,
                r => active.Add(r.GetInt64(0)), ct);
            await ReadAsync(conn, db, $"SELECT p.customer_id, {AmountSum(db)}(p.amount_micros) FROM purchases AS p WHERE p.ordered_at >= @from AND p.ordered_at < @to GROUP BY p.customer_id", range, r =>
            {
                active.Add(r.GetInt64(0));
                spent[r.GetInt64(0)] = Convert.ToDouble(r.GetValue(1), CultureInfo.InvariantCulture) / Purchase.MicrosPerUnit;
            }, ct);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
        return (active, spent);
    }

    /// <summary>The newest activity Kith holds (events or orders), or null when it holds none.</summary>
    public static async Task<DateTime?> LatestActivityAsync(KithDb db, CancellationToken ct)
    {
        var events = await db.BehaviorEvents.MaxAsync(e => (DateTime?)e.OccurredAt, ct);
        var orders = await db.Purchases.MaxAsync(p => (DateTime?)p.OrderedAt, ct);
        return events is null ? orders : orders is null ? events : events > orders ? events : orders;
    }

    /// <summary>
    /// The aggregate that adds a customer's amounts (micros) as the features' doubles need them. Two purchases near the
    /// largest amount pass a 64-bit integer: SQLite's SUM then fails, and with it the training and scoring of everyone;
    /// its TOTAL is the same number as a double (exact below 2^53 micros) and goes on past it. PostgreSQL sums bigint
    /// as numeric, exactly.
    /// </summary>
    private static string AmountSum(KithDb db) => db.Provider == DatabaseProvider.Sqlite ? "TOTAL" : "SUM";

    private static DateTime Min(DateTime a, DateTime b) => a < b ? a : b;

    private static double Days(DateTime at, DateTime then) => Math.Clamp((at - then).TotalDays, 0, MaxDays);

    private static DateTime Instant(object value) => value switch
    {
        DateTime d => d.Kind == DateTimeKind.Utc ? d : DateTime.SpecifyKind(d, DateTimeKind.Utc),
        string s => DateTime.Parse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal),
        _ => throw new InvalidOperationException($"Not an instant: {value}"),
    };

    private static DateTime SignupDay(object value) => value switch
    {
        DateOnly d => d.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc),
        DateTime d => DateTime.SpecifyKind(d.Date, DateTimeKind.Utc),
        string s => DateTime.SpecifyKind(DateOnly.Parse(s, CultureInfo.InvariantCulture).ToDateTime(TimeOnly.MinValue), DateTimeKind.Utc),
        _ => throw new InvalidOperationException($"Not a date: {value}"),
    };

    private static async Task ReadAsync(DbConnection conn, KithDb db, string sql, (string Name, object Value)[] parameters, Action<DbDataReader> row, CancellationToken ct)
    {
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        cmd.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        cmd.CommandTimeout = 0;
        foreach (var (name, value) in parameters)
        {
            if (!sql.Contains(name, StringComparison.Ordinal)) continue;
            var p = cmd.CreateParameter();
            p.ParameterName = name;
            p.Value = value;
            cmd.Parameters.Add(p);
        }
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) row(reader);
    }
}
