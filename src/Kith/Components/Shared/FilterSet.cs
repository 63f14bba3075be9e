using System.Text.RegularExpressions;

namespace Kith.Components.Shared;

/// <summary>
/// The filters a list page offers (one value per field), written as the list engine's filter language:
/// <c>stage eq "lead" and city startswith "上海"</c>. A saved view's filter that the page cannot show as fields
/// (one written through the API) is kept whole in <see cref="Raw"/> and still applied.
/// </summary>
public sealed partial class FilterSet
{
    private readonly List<(string Field, string Op, string Value)> _clauses = [];

    /// <summary>A filter from elsewhere that is not made of this page's fields; applied as it is.</summary>
    public string? Raw { get; private set; }

    public int Count => _clauses.Count + (Raw is null ? 0 : 1);

    public string? Get(string field) => _clauses.FirstOrDefault(c => c.Field == field).Value;

    /// <summary>Sets or (with an empty value) removes the filter on a field.</summary>
    public void Set(string field, string? value, string op = "eq")
    {
        _clauses.RemoveAll(c => c.Field == field);
        if (!string.IsNullOrWhiteSpace(value)) _clauses.Add((field, op, value.Trim()));
    }

    public void Clear()
    {
        _clauses.Clear();
        Raw = null;
    }

    public string? ToFilter() =>
        ListState.And(_clauses.Select(c => $"{c.Field} {c.Op} {ListState.Quote(c.Value)}").Append(Raw is null ? null : $"({Raw})"));

    public void Load(string? filter)
    {
        Clear();
        if (string.IsNullOrWhiteSpace(filter)) return;
        var parsed = new List<(string, string, string)>();
        var at = 0;
        foreach (Match m in Clause().Matches(filter))
        {
            if (m.Index != at) break;
            parsed.Add((m.Groups[1].Value, m.Groups[2].Value.ToLowerInvariant(), Unquote(m.Groups[3].Value)));
            at = m.Index + m.Length;
        }
        if (at == filter.Length && parsed.Select(p => p.Item1).Distinct().Count() == parsed.Count) _clauses.AddRange(parsed);
        else Raw = filter;
    }

    private static string Unquote(string s) => s.Replace("\\\"", "\"").Replace("\\\\", "\\");

    [GeneratedRegex("""\G(?:\s+and\s+)?([A-Za-z][A-Za-z0-9_.]*) (eq|contains|startswith) "((?:[^"\\]|\\.)*)"\s*""", RegexOptions.IgnoreCase)]
    private static partial Regex Clause();
}
