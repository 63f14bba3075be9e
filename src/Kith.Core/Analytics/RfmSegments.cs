using System.Globalization;
using System.Text;

namespace Kith.Core.Analytics;

/// <summary>
/// The standard RFM segment map: a grid over the recency score (rows) and the frequency score (columns), read top
/// to bottom, first match wins. It is the map most RFM write-ups use (R and F, since monetary value follows frequency
/// closely), with "lost" carved out of the hibernating corner for customers at the bottom on both.
/// <code>
///            F=1            F=2               F=3              F=4       F=5
/// R=5   new              potential_loyalist potential_loyalist champions champions
/// R=4   promising        potential_loyalist potential_loyalist loyal     loyal
/// R=3   about_to_sleep   about_to_sleep    need_attention   loyal     loyal
/// R=2   hibernating      hibernating       at_risk          at_risk   cant_lose_them
/// R=1   lost             hibernating       at_risk          at_risk   cant_lose_them
/// </code>
/// </summary>
public static class RfmSegments
{
    private sealed record Rule(string Segment, int RMin, int RMax, int FMin, int FMax);

    private static readonly Rule[] s_rules =
    [
        new("champions", 5, 5, 4, 5),
        new("loyal", 3, 4, 4, 5),
        new("potential_loyalist", 4, 5, 2, 3),
        new("new", 5, 5, 1, 1),
        new("promising", 4, 4, 1, 1),
        new("need_attention", 3, 3, 3, 3),
        new("about_to_sleep", 3, 3, 1, 2),
        new("cant_lose_them", 1, 2, 5, 5),
        new("at_risk", 1, 2, 3, 4),
        new("lost", 1, 1, 1, 1),
        new("hibernating", 1, 2, 1, 2),
    ];

    /// <summary>Every segment key, best customers first: the order charts and tables show them in.</summary>
    public static readonly IReadOnlyList<string> All =
        ["champions", "loyal", "potential_loyalist", "new", "promising", "need_attention", "about_to_sleep", "at_risk", "cant_lose_them", "hibernating", "lost"];

    public static string Of(int r, int f)
    {
        foreach (var rule in s_rules)
            if (r >= rule.RMin && r <= rule.RMax && f >= rule.FMin && f <= rule.FMax) return rule.Segment;
        throw new ArgumentOutOfRangeException(nameof(r), $"RFM scores run from 1 to 5, not R={r}, F={f}.");
    }

    /// <summary>The same map as a SQL CASE over integer columns, so the database names segments as it scores.</summary>
    internal static string SqlCase(string r, string f)
    {
        var sb = new StringBuilder("CASE");
        foreach (var rule in s_rules)
            sb.Append(CultureInfo.InvariantCulture,
                $" WHEN {r} BETWEEN {rule.RMin} AND {rule.RMax} AND {f} BETWEEN {rule.FMin} AND {rule.FMax} THEN '{rule.Segment}'");
        return sb.Append(" END").ToString();
    }
}
