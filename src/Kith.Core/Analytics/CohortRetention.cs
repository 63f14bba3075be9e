using System.Collections.Concurrent;
using System.Globalization;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Analytics;

public enum CohortBy { Signup, FirstPurchase }

/// <summary>One cohort: the customers whose signup (or first purchase) fell in <see cref="Month"/> (yyyy-MM), and how many of them were active in month 0, 1, 2, … after it.</summary>
public sealed record CohortRow(string Month, long Customers, IReadOnlyList<long> Active, IReadOnlyList<double> Share);

/// <summary>A retention table. <see cref="ComputedAt"/> is when the counts behind it were taken from the events.</summary>
public sealed record CohortTable(CohortBy By, string? Event, DateTime ComputedAt, IReadOnlyList<CohortRow> Cohorts);

/// <summary>
/// Cohort retention in whole months. A customer belongs to the cohort of the month they signed up (their signup
/// date, or when Kith first recorded them if no signup date is known) or of their first purchase; they are active in
/// month k of their cohort when they have at least one event (or one of the chosen type) in the k-th calendar month
/// after it (UTC). Month 0 is the cohort month itself.
/// <para>
/// Counting distinct active customers per month means reading every event: on SQLite one ordered pass over an index
/// (<see cref="CohortScan"/>), on PostgreSQL a GROUP BY in the server. So the counts are taken once per (cohort basis, event type) as a small cube per owner, cohort month and
/// offset, and kept with the time they were taken; every period and every caller's reach is then a sum over that
/// cube (a customer has one owner, so owners' counts add up). Refresh retakes them.
/// </para>
/// </summary>
public sealed class CohortRetention(KithDb db, TimeProvider clock)
{
    private readonly AnalyticsSql _sql = new(db);

    private sealed record Cube(long Version, DateTime ComputedAt, Dictionary<(long Owner, int Cohort), long> Sizes, Dictionary<(long Owner, int Cohort, int Offset), long> Active);

    private static readonly ConcurrentDictionary<string, Cube> s_cubes = new(StringComparer.Ordinal);

    /// <summary>The <see cref="SharedVersion"/> that tells every node its cubes are stale (a refresh or an invalidation on any node).</summary>
    public const string SharedName = "analytics.cohorts";

    public static CohortBy ParseBy(string? text) => (text ?? "").Trim().ToLowerInvariant() switch
    {
        "" or "signup" => CohortBy.Signup,
        "first_purchase" => CohortBy.FirstPurchase,
        _ => throw RuleViolation.Field("by", $"by must be signup or first_purchase, not '{text}'."),
    };

    public async Task<CohortTable> HandleAsync(AccessScope scope, CohortBy by, string? eventType, AnalysisPeriod period, bool refresh, CancellationToken ct)
    {
        eventType = Behavior.EventTypes.Parse(eventType, "event");
        var key = $"{db.Database.GetConnectionString()}|{by}|{eventType}";
        if (refresh) await SharedVersions.BumpAsync(db, SharedName, ct);
        var version = await SharedVersions.ReadAsync(db, SharedName, ct);
        if (refresh || !s_cubes.TryGetValue(key, out var cube) || cube.Version != version)
        {
            cube = await CountAsync(version, by, eventType, ct);
            s_cubes[key] = cube;
        }
        return Slice(cube, scope, by, eventType, period);
    }

    /// <summary>Makes every node forget the cubes taken from this database, so the next read counts afresh (after an import, a merge).</summary>
    public Task InvalidateAsync(CancellationToken ct = default) => SharedVersions.BumpAsync(db, SharedName, ct);

    private async Task<Cube> CountAsync(long version, CohortBy by, string? eventType, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        if (db.Database.GetDbConnection() is SqliteConnection sqlite)
        {
            var opened = sqlite.State != System.Data.ConnectionState.Open;
            if (opened) await db.Database.OpenConnectionAsync(ct);
            try
            {
                if (CohortScan.TryCount(sqlite, db.Database.CurrentTransaction is not null, by, eventType, out var scan, ct)) return new Cube(version, now, scan.Sizes, scan.Active);
            }
            finally
            {
                if (opened) await db.Database.CloseConnectionAsync();
            }
        }
        var cohortSql = by == CohortBy.Signup
            ? $"SELECT c.id AS customer_id, c.owner_id, {_sql.MonthIndex(_sql.IsPostgres ? "COALESCE(c.signup_date, CAST(c.created_at AT TIME ZONE 'UTC' AS DATE))" : "COALESCE(c.signup_date, c.created_at)")} AS cm " +
              $"FROM customers c WHERE {AnalyticsSql.Reach(AnalyticsSql.Everyone)}"
            : $"SELECT c.id AS customer_id, c.owner_id, MIN({_sql.MonthIndex(_sql.Utc("p.ordered_at"))}) AS cm " +
              $"FROM purchases p JOIN customers c ON c.id = p.customer_id WHERE {AnalyticsSql.Reach(AnalyticsSql.Everyone)} GROUP BY c.id, c.owner_id";
        var parameters = new Dictionary<string, object?>();
        var typeFilter = "";
        if (eventType is not null)
        {
            parameters["@type"] = eventType;
            typeFilter = "WHERE e.type = @type";
        }
        var sizes = (await _sql.ReadAsync($"SELECT owner_id, cm, COUNT(*) FROM ({cohortSql}) co GROUP BY owner_id, cm", parameters,
                r => (Owner: AnalyticsSql.Long(r, 0), Cohort: (int)AnalyticsSql.Long(r, 1), Count: AnalyticsSql.Long(r, 2)), ct))
            .ToDictionary(x => (x.Owner, x.Cohort), x => x.Count);
        var activeSql = $"""
            WITH co AS ({cohortSql}),
            a AS (SELECT e.customer_id, {_sql.MonthIndex(_sql.Utc("e.occurred_at"))} AS am FROM behavior_events e {typeFilter} GROUP BY 1, 2)
            SELECT co.owner_id, co.cm, a.am - co.cm, COUNT(*)
            FROM a JOIN co ON co.customer_id = a.customer_id
            WHERE a.am >= co.cm
            GROUP BY co.owner_id, co.cm, a.am - co.cm
            """;
        var active = (await _sql.ReadAsync(activeSql, parameters,
                r => (Owner: AnalyticsSql.Long(r, 0), Cohort: (int)AnalyticsSql.Long(r, 1), Offset: (int)AnalyticsSql.Long(r, 2), Count: AnalyticsSql.Long(r, 3)), ct))
            .ToDictionary(x => (x.Owner, x.Cohort, x.Offset), x => x.Count);
        return new Cube(version, now, sizes, active);
    }

    private static CohortTable Slice(Cube cube, AccessScope scope, CohortBy by, string? eventType, AnalysisPeriod period)
    {
        var first = MonthIndex(period.From);
        var last = MonthIndex(period.To.AddTicks(-1));
        bool InReach(long owner) => scope.OwnerIds is null || scope.OwnerIds.Contains(owner);
        var sizes = cube.Sizes.Where(s => InReach(s.Key.Owner)).GroupBy(s => s.Key.Cohort).ToDictionary(g => g.Key, g => g.Sum(s => s.Value));
        var actives = cube.Active.Where(a => InReach(a.Key.Owner)).ToLookup(a => a.Key.Cohort);
        var rows = new List<CohortRow>();
        for (var month = first; month <= last; month++)
        {
            if (!sizes.TryGetValue(month, out var size) || size == 0) continue;
            var active = new long[last - month + 1];
            foreach (var (k, n) in actives[month])
                if (k.Offset < active.Length) active[k.Offset] += n;
            rows.Add(new CohortRow(MonthText(month), size, active, active.Select(a => Math.Round((double)a / size, 4)).ToList()));
        }
        return new CohortTable(by, eventType, cube.ComputedAt, rows);
    }

    private static int MonthIndex(DateTime t) => t.Year * 12 + t.Month - 1;

    private static string MonthText(int index) => string.Create(CultureInfo.InvariantCulture, $"{index / 12:0000}-{index % 12 + 1:00}");
}
