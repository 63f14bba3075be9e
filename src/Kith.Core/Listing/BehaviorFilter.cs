using System.Globalization;
using System.Text.RegularExpressions;
using Kith.Core.Purchases;

namespace Kith.Core.Listing;

/// <summary>
/// Conditions on what customers did, in the customer filter language (docs/segments.md):
/// <code>
/// events.TYPE[.Nd]     op n     events of a type, all time or in the last N days   events.purchase.30d ge 2
/// visited[.Nd]         op page  a visit (access event) to a page                    visited eq "/pricing"
/// orders[.Nd]          op n     orders in the purchases table                       orders ge 1
/// spent[.Nd]           op x     their total amount                                  spent.90d gt 500
/// </code>
/// Each is a subquery correlated on the customer through the (customer_id, occurred_at) indexes. A count compared with
/// "at least one" or "none" becomes EXISTS / NOT EXISTS, which stops at the first row. A count of events in a window
/// is the other way round: the window's events of that type are read once through the (type, occurred_at, customer_id)
/// index and grouped by customer, so a rare condition over a million customers reads only the customers who acted.
/// An all-time count of events comes from the rollup's per-customer totals and the few events it has not counted yet
/// (<see cref="AllTime"/>); only a visited page needs the events' own rows.
/// </summary>
internal static partial class BehaviorFilter
{
    public const int MaxDays = 3650;

    public static readonly IReadOnlyList<string> Names = ["events.<type>[.<N>d]", "visited[.<N>d]", "orders[.<N>d]", "spent[.<N>d]", "churnRisk", "expectedValue", "rfm"];

    private static readonly string LargestAmount = ((decimal)(Behavior.RevenueSums.Largest - 1) / Purchase.MicrosPerUnit).ToString("N6", CultureInfo.InvariantCulture);

    private static readonly string[] CountOperators = ["eq", "ne", "gt", "ge", "lt", "le"];
    private static readonly string[] PageOperators = ["eq", "ne", "contains", "startswith", "in"];

    public static string? TryCompile(Comparison c, SqlBuilder sql)
    {
        if (c.Field.Equals("rfm", StringComparison.OrdinalIgnoreCase))
            return Rfm(c, sql);
        if (c.Field.Equals("churnRisk", StringComparison.OrdinalIgnoreCase) || c.Field.Equals("expectedValue", StringComparison.OrdinalIgnoreCase))
            return Score(c, sql);
        var m = EventsField().Match(c.Field);
        if (!m.Success) m = OtherField().Match(c.Field);
        if (!m.Success) return null;
        var kind = m.Groups["kind"].Success ? m.Groups["kind"].Value.ToLowerInvariant() : "events";
        var type = m.Groups["type"].Success ? m.Groups["type"].Value.ToLowerInvariant() : null;
        if (type is not null && !Behavior.EventTypes.IsKey(type))
            throw FilterParser.Error($"In '{c.Field}' (position {c.Position}): {Behavior.EventTypes.Explain(type)}", c.Position);
        int? days = null;
        if (m.Groups["days"].Success)
        {
            if (!int.TryParse(m.Groups["days"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var d) || d is < 1 or > MaxDays)
                throw FilterParser.Error($"The window of '{c.Field}' (position {c.Position}) must be between 1d and {MaxDays}d.", c.Position);
            days = d;
        }
        string? since = days is { } n ? sql.Param(sql.Now.AddDays(-n)) : null;

        if (kind == "visited")
        {
            Allow(c, PageOperators);
            var window = since is null ? "" : $" AND e.occurred_at >= {since}";
            var from = $"SELECT 1 FROM behavior_events AS e{ByCustomer(sql)} WHERE e.customer_id = t.id AND e.type = 'access'{window}";
            var like = sql.Provider == Infrastructure.DatabaseProvider.Postgres ? "ILIKE" : "LIKE";
            string Page(FilterValue v) => sql.Param(v.Text.Trim());
            return c.Operator switch
            {
                "eq" => $"EXISTS ({from} AND e.page = {Page(c.Values[0])})",
                "ne" => $"NOT EXISTS ({from} AND e.page = {Page(c.Values[0])})",
                "in" => $"EXISTS ({from} AND e.page IN ({string.Join(", ", c.Values.Select(Page))}))",
                "contains" => $"EXISTS ({from} AND e.page {like} {sql.Param("%" + ListEngine.EscapeLike(c.Values[0].Text.Trim()) + "%")} ESCAPE '\\')",
                _ => $"EXISTS ({from} AND e.page {like} {sql.Param(ListEngine.EscapeLike(c.Values[0].Text.Trim()) + "%")} ESCAPE '\\')",
            };
        }

        Allow(c, CountOperators);
        var text = c.Values[0].Text.Trim();
        if (kind == "spent")
        {
            if (!decimal.TryParse(text, NumberStyles.Number, CultureInfo.InvariantCulture, out var amount) || amount < 0)
                throw FilterParser.Error($"'{c.Values[0].Text}' at position {c.Values[0].Position} is not an amount for '{c.Field}'.", c.Values[0].Position);
            // Below the largest total, so a total held there (SQLite, RevenueSums) still compares right.
            if (amount >= (decimal)Behavior.RevenueSums.Largest / Purchase.MicrosPerUnit)
                throw FilterParser.Error($"'{c.Values[0].Text}' at position {c.Values[0].Position} is more than {LargestAmount}, the largest amount Kith adds up, for '{c.Field}'.", c.Values[0].Position);
            var window = since is null ? "" : $" AND p.ordered_at >= {since}";
            // PostgreSQL sums bigint exactly (numeric); SQLite's SUM would fail past the largest: there it saturates.
            var total = sql.Provider == Infrastructure.DatabaseProvider.Sqlite ? Behavior.RevenueSums.Sum("p.amount_micros", sqlite: true, saturating: true) : "SUM(p.amount_micros)";
            var sum = $"(SELECT COALESCE({total}, 0) FROM purchases AS p WHERE p.customer_id = t.id{window})";
            return $"{sum} {Symbol(c.Operator)} {sql.Param((long)(amount * Purchase.MicrosPerUnit))}";
        }

        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var count))
            throw FilterParser.Error($"'{c.Values[0].Text}' at position {c.Values[0].Position} is not a count (a whole number, 0 or more) for '{c.Field}'.", c.Values[0].Position);
        if (kind == "events")
        {
            if (since is not null) return Windowed(c.Operator, count, $"FROM behavior_events AS e WHERE e.type = {sql.Param(type)} AND e.occurred_at >= {since}", sql);
            return AllTime(c.Operator, count, sql.Param(type), sql);
        }
        var rows = "FROM purchases AS p WHERE p.customer_id = t.id" + (since is null ? "" : $" AND p.ordered_at >= {since}");

        // "at least one" and "none" need only the first row.
        var (atLeastOne, none) = Extremes(c.Operator, count);
        if (atLeastOne) return $"EXISTS (SELECT 1 {rows})";
        if (none) return $"NOT EXISTS (SELECT 1 {rows})";
        return $"(SELECT COUNT(*) {rows}) {Symbol(c.Operator)} {sql.Param(count)}";
    }

    /// <summary>
    /// An all-time count of a type's events compared with n, from the rollup rather than the events (ADR-0036): the
    /// customer's row of behavior_totals, keyed (customer_id, type), plus their events stored after the rollup's
    /// watermark, which it has not counted yet (read once, by id). Customers whose events moved or went (merge, undo,
    /// import revert) wait in behavior_stale for their recount; theirs are counted from the events. A customer's events
    /// lie all over the table (it is in time order), one random row read each (the type is not in the index), while a
    /// run of customers' totals is a run of one index: the sample of 6,000 customers at a million reads 60,000 event
    /// rows one way and a few hundred index pages the other.
    /// </summary>
    private static string AllTime(string op, long n, string type, SqlBuilder sql)
    {
        var events = $"FROM behavior_events AS e{ByCustomer(sql)} WHERE e.customer_id = t.id AND e.type = {type}";
        var stale = "t.id IN (SELECT s.customer_id FROM behavior_stale AS s)";
        var integer = sql.Provider == Infrastructure.DatabaseProvider.Postgres ? "bigint" : "INTEGER";
        var mark = $"COALESCE((SELECT CAST(m.value AS {integer}) FROM settings AS m WHERE m.key = {sql.Param(Behavior.BehaviorRollup.EventsMark)}), 0)";
        var total = $"FROM behavior_totals AS b WHERE b.customer_id = t.id AND b.type = {type}";
        // "at least one" and "none" need only the first row; the events after the watermark are read once, by id.
        var (atLeastOne, none) = Extremes(op, n);
        if (atLeastOne || none)
        {
            var any = $"(CASE WHEN {stale} THEN EXISTS (SELECT 1 {events}) " +
                      $"ELSE (EXISTS (SELECT 1 {total} AND b.events > 0) OR t.id IN (SELECT e.customer_id FROM behavior_events AS e WHERE e.id > {mark} AND e.type = {type})) END)";
            return none ? $"NOT {any}" : any;
        }
        var counted = $"(CASE WHEN {stale} THEN (SELECT COUNT(*) {events}) " +
                      $"ELSE COALESCE((SELECT b.events {total}), 0) + (SELECT COUNT(*) {events} AND e.id > {mark}) END)";
        return $"{counted} {Symbol(op)} {sql.Param(n)}";
    }

    /// <summary>Whether "count op n" means "at least one" or "none", which need only the first row.</summary>
    private static (bool AtLeastOne, bool None) Extremes(string op, long n) =>
        ((op == "ge" && n == 1) || (op == "gt" && n == 0) || (op == "ne" && n == 0),
         (op == "eq" && n == 0) || (op == "lt" && n == 1) || (op == "le" && n == 0));

    /// <summary>
    /// Whether a condition reads a customer's events row by row (a visited page: only the events hold pages), the
    /// costly kind that <see cref="SqlBuilder"/> puts after the others in an AND.
    /// </summary>
    public static bool ReadsEventRows(Comparison c) =>
        OtherField().Match(c.Field) is { Success: true } m && m.Groups["kind"].Value.Equals("visited", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// A count of a window's events compared with n, from the customers who have any: those whose count passes, or,
    /// when a customer with none passes too ("eq 0", "lt 2"), everyone but those whose count fails.
    /// </summary>
    private static string Windowed(string op, long n, string rows, SqlBuilder sql)
    {
        var zeroPasses = op switch
        {
            "eq" => n == 0,
            "ne" => n != 0,
            "gt" => false,
            "ge" => n == 0,
            "lt" => n > 0,
            _ => true,
        };
        var counted = $"SELECT e.customer_id {rows} GROUP BY e.customer_id HAVING COUNT(*)";
        var value = sql.Param(n);
        return zeroPasses
            ? $"t.id NOT IN ({counted} {Symbol(Negate(op))} {value})"
            : $"t.id IN ({counted} {Symbol(op)} {value})";
    }

    private static string Negate(string op) => op switch
    {
        "eq" => "ne",
        "ne" => "eq",
        "gt" => "le",
        "ge" => "lt",
        "lt" => "ge",
        _ => "gt",
    };

    /// <summary>
    /// A correlated look at one customer's events goes through (customer_id, occurred_at): SQLite, without statistics
    /// on a young database, could otherwise pick (type, occurred_at, customer_id) and read every event of the type
    /// once per customer.
    /// </summary>
    private static string ByCustomer(SqlBuilder sql) =>
        sql.Provider == Infrastructure.DatabaseProvider.Sqlite ? " INDEXED BY ix_behavior_events_customer_id_occurred_at" : "";

    /// <summary>The RFM segment of the latest computation (customer_rfm); a customer without one matches only "ne".</summary>
    private static string Rfm(Comparison c, SqlBuilder sql)
    {
        Allow(c, ["eq", "ne", "in"]);
        var keys = Analytics.RfmSegments.All;
        var values = c.Values.Select(v =>
        {
            var key = v.Text.Trim().ToLowerInvariant();
            return keys.Contains(key) ? sql.Param(key)
                : throw FilterParser.Error($"'{v.Text}' at position {v.Position} is not an RFM segment; they are {string.Join(", ", keys)}.", v.Position);
        }).ToList();
        var segment = "(SELECT r.segment FROM customer_rfm AS r WHERE r.customer_id = t.id)";
        return c.Operator switch
        {
            "eq" => $"{segment} = {values[0]}",
            "ne" => $"({segment} IS NULL OR {segment} <> {values[0]})",
            _ => $"{segment} IN ({string.Join(", ", values)})",
        };
    }

    /// <summary>The latest predictions (customer_scores); a customer not scored yet matches no comparison.</summary>
    private static string Score(Comparison c, SqlBuilder sql)
    {
        Allow(c, CountOperators);
        var risk = c.Field.Equals("churnRisk", StringComparison.OrdinalIgnoreCase);
        var v = c.Values[0];
        if (!decimal.TryParse(v.Text.Trim(), NumberStyles.Number, CultureInfo.InvariantCulture, out var number) || number < 0 || (risk && number > 1))
            throw FilterParser.Error(risk
                ? $"'{v.Text}' at position {v.Position} is not a churn risk: write a share from 0 to 1, such as 0.7."
                : $"'{v.Text}' at position {v.Position} is not an amount for 'expectedValue'.", v.Position);
        var column = risk ? "s.churn_risk" : "s.expected_value_micros";
        object value = risk ? (double)number : (long)(number * Purchase.MicrosPerUnit);
        return $"(SELECT {column} FROM customer_scores AS s WHERE s.customer_id = t.id) {Symbol(c.Operator)} {sql.Param(value)}";
    }

    private static void Allow(Comparison c, string[] operators)
    {
        if (!operators.Contains(c.Operator))
            throw FilterParser.Error($"'{c.Field}' does not take '{c.Operator}' (position {c.Position}); it takes {string.Join(", ", operators)}.", c.Position);
    }

    private static string Symbol(string op) => op switch
    {
        "eq" => "=",
        "ne" => "<>",
        "gt" => ">",
        "ge" => ">=",
        "lt" => "<",
        _ => "<=",
    };

    // events.TYPE[.Nd]; a type is a key of any script (加购, add_to_cart: ADR-0053) and may itself hold dots (page.view),
    // the window is the last part. Whether the type is a key is checked after, to say why when it is not.
    [GeneratedRegex(@"^events\.(?<type>.+?)(?:\.(?<days>\d+)d)?$", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex EventsField();

    [GeneratedRegex(@"^(?<kind>visited|orders|spent)(?:\.(?<days>\d+)d)?$", RegexOptions.IgnoreCase)]
    private static partial Regex OtherField();
}
