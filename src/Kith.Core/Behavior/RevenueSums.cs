namespace Kith.Core.Behavior;

/// <summary>
/// Revenue in micros is a 64-bit integer: one purchase is less than 9e12 (<see cref="Purchases.Purchase.MaxAmount"/>,
/// 9e18 micros), so two near it pass the largest (about 9.22e18). A customer's stored revenue (the rollup's totals,
/// days and summary column) therefore adds up saturating: past the largest it stays at <see cref="long.MaxValue"/> (or
/// <see cref="long.MinValue"/>+1 for refunds), a value no real sum reaches, instead of failing the whole catch-up (SQLite
/// raises "integer overflow", PostgreSQL "bigint out of range") or wrapping round (C#). Analyses, which add many
/// customers' purchases, answer a clear 400 instead (<see cref="Analytics.AnalyticsSql"/>).
/// </summary>
public static partial class RevenueSums
{
    public const long Largest = long.MaxValue;
    private const long Smallest = -long.MaxValue;

    /// <summary>a + b, held at the largest (or smallest) revenue instead of overflowing.</summary>
    public static long Add(long a, long b)
    {
        var sum = unchecked(a + b);
        // Overflow happened when both have the same sign and the sum's sign differs.
        if (((a ^ sum) & (b ^ sum)) < 0) return a > 0 ? Largest : Smallest;
        return Math.Clamp(sum, Smallest, Largest);
    }

    /// <summary>Marks a revenue SUM of the rollup's SQL on SQLite, for <see cref="Saturating(string)"/> to find.</summary>
    public const string Marker = "/*revenue*/";

    /// <summary>
    /// SQL for SUM(<paramref name="expr"/>) of micros, held at the largest. PostgreSQL sums bigint exactly as numeric and
    /// clamps. SQLite's SUM fails on an overflow, so there the rollup runs the plain SUM (marked) and, in the rare case
    /// it fails, runs the statement again through <see cref="Saturating(string)"/>: the split sums cost a tenth to a
    /// quarter more CPU per row, paid only then. <paramref name="saturating"/> asks for the split sums at once.
    /// <paramref name="expr"/> is SQL, never user text.
    /// </summary>
    public static string Sum(string expr, bool sqlite, bool saturating = false)
    {
        // A CASE, not LEAST/GREATEST: those skip a NULL (no amounts at all), which must stay NULL.
        if (!sqlite) return $"CAST(CASE WHEN SUM({expr}) > {Largest} THEN {Largest} WHEN SUM({expr}) < {Smallest} THEN {Smallest} ELSE SUM({expr}) END AS bigint)";
        return saturating ? SplitSum(expr) : $"SUM({expr}){Marker}";
    }

    /// <summary>A statement with every marked SUM replaced by its saturating form (SQLite).</summary>
    public static string Saturating(string sql) => MarkedSum().Replace(sql, m => SplitSum(m.Groups["e"].Value));

    /// <summary>
    /// The sum in whole units and remaining micros (each far from overflowing: that takes a million purchases near the
    /// largest amount), carried and put together only while it fits.
    /// </summary>
    private static string SplitSum(string expr)
    {
        var units = $"(SUM(({expr}) / 1000000) + SUM(({expr}) % 1000000) / 1000000)";
        var micros = $"(SUM(({expr}) % 1000000) % 1000000)";
        const long limit = Largest / 1_000_000 - 1;
        return $"(CASE WHEN {units} > {limit} THEN {Largest} WHEN {units} < -{limit} THEN {Smallest} ELSE {units} * 1000000 + {micros} END)";
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"SUM\((?<e>[A-Za-z_.]+)\)/\*revenue\*/")]
    private static partial System.Text.RegularExpressions.Regex MarkedSum();

    /// <summary>SQL for <paramref name="a"/> + <paramref name="b"/> (two bigint micros), saturating, on either database.</summary>
    public static string Add(string a, string b) =>
        $"(CASE WHEN {b} > 0 AND {a} > {Largest} - {b} THEN {Largest} WHEN {b} < 0 AND {a} < {Smallest} - {b} THEN {Smallest} ELSE {a} + {b} END)";
}
