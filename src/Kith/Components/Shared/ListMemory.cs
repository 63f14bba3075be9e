namespace Kith.Components.Shared;

/// <summary>
/// The search, filters, sort and page of each list for as long as the browser tab is open, so that going back
/// from a record to its list shows the list as it was. Held by the layout, which lives as long as the circuit.
/// </summary>
public sealed class ListMemory
{
    private readonly Dictionary<string, (ListState State, FilterSet Filters)> _lists = [];

    public (ListState State, FilterSet Filters) For(string list)
    {
        if (!_lists.TryGetValue(list, out var remembered))
            _lists[list] = remembered = (new ListState(), new FilterSet());
        return remembered;
    }
}
