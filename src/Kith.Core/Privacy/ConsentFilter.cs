using Kith.Core.Listing;

namespace Kith.Core.Privacy;

/// <summary>
/// <c>consent.&lt;purpose&gt; eq granted|withdrawn</c> (also ne, in, isnull for "never asked") in the customer filter: the
/// latest decision for the purpose, so "eq granted" is who may be sent marketing email now.
/// </summary>
internal static class ConsentFilter
{
    public const string Prefix = "consent.";
    private static readonly string[] Operators = ["eq", "ne", "in", "isnull", "notnull"];

    public static string Compile(Comparison c, SqlBuilder sql)
    {
        var purpose = c.Field[Prefix.Length..].ToLowerInvariant();
        if (purpose.Length == 0) throw FilterParser.Error($"Name a purpose after 'consent.' (position {c.Position}), e.g. consent.marketing_email.", c.Position);
        if (!Operators.Contains(c.Operator))
            throw FilterParser.Error($"'{c.Field}' does not take '{c.Operator}' (position {c.Position}); it takes {string.Join(", ", Operators)}.", c.Position);
        var latest = $"(SELECT x.status FROM consents AS x WHERE x.customer_id = t.id AND x.purpose = {sql.Param(purpose)} ORDER BY x.at DESC, x.id DESC LIMIT 1)";
        string Status(FilterValue v) => v.Text.Trim().ToLowerInvariant() switch
        {
            "granted" => sql.Param(nameof(ConsentStatus.Granted)),
            "withdrawn" => sql.Param(nameof(ConsentStatus.Withdrawn)),
            _ => throw FilterParser.Error($"'{v.Text}' is not a consent status (position {v.Position}); use granted or withdrawn.", v.Position),
        };
        return c.Operator switch
        {
            "isnull" => $"{latest} IS NULL",
            "notnull" => $"{latest} IS NOT NULL",
            "eq" => $"{latest} = {Status(c.Values[0])}",
            "ne" => $"({latest} IS NULL OR {latest} <> {Status(c.Values[0])})",
            _ => $"{latest} IN ({string.Join(", ", c.Values.Select(Status))})",
        };
    }
}
