using Kith.Core.Listing;

namespace Kith.Components.Shared;

/// <summary>A column of a record list: its key (a field name or cf.key), its English label and, when sortable, its sort field.</summary>
public sealed record ListColumn(string Key, string Label, string? SortField = null, bool Always = false);

/// <summary>
/// What a list page keeps between requests: the search, filter and sort, and the keyset cursors of the pages the
/// user came through, so Previous returns to exactly the page they saw (keyset paging has no page numbers to jump to).
/// </summary>
public sealed class ListState
{
    private readonly List<string?> _cursors = [null];

    public string Q { get; set; } = "";
    public string? Sort { get; set; }

    public int PageNumber => _cursors.Count;
    public bool HasPrevious => _cursors.Count > 1;

    public ListRequest Request(string? filter, int limit = 25) =>
        new(string.IsNullOrWhiteSpace(Q) ? null : Q.Trim(), filter, Sort, limit, _cursors[^1]);

    public void FirstPage()
    {
        _cursors.Clear();
        _cursors.Add(null);
    }

    public void Next(string cursor) => _cursors.Add(cursor);

    public void Previous()
    {
        if (_cursors.Count > 1) _cursors.RemoveAt(_cursors.Count - 1);
    }

    /// <summary>First click sorts ascending, the second descending, the third goes back to the default order.</summary>
    public void ToggleSort(string field)
    {
        Sort = Sort == field ? "-" + field : Sort == "-" + field ? null : field;
        FirstPage();
    }

    /// <summary>+1 ascending, -1 descending, 0 not sorted by this field.</summary>
    public int Direction(string field) => Sort == field ? 1 : Sort == "-" + field ? -1 : 0;

    /// <summary>A value of the filter language: always double-quoted, so any text is a literal.</summary>
    public static string Quote(string value) => "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    public static string? And(IEnumerable<string?> clauses)
    {
        var parts = clauses.Where(c => !string.IsNullOrWhiteSpace(c)).ToList();
        return parts.Count == 0 ? null : string.Join(" and ", parts);
    }

}
