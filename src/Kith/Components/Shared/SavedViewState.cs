namespace Kith.Components.Shared;

/// <summary>What a saved view keeps of a list: search, filter, sort and the visible columns (comma-separated).</summary>
public sealed record SavedViewState(string? Query, string? Filter, string? Sort, string? Columns);
