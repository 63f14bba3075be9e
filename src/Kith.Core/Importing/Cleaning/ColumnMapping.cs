namespace Kith.Core.Importing.Cleaning;

/// <summary>
/// Which field each column of a file maps to: <paramref name="Columns"/>[i] is the field of <paramref name="Header"/>[i],
/// or null when the column is not imported (not recognised, or ignored on purpose).
/// </summary>
public sealed record ColumnMapping(IReadOnlyList<string> Header, IReadOnlyList<ImportField?> Columns)
{
    /// <summary>All the fields the file was mapped against, mapped or not; the order of <see cref="RowCleaner"/>'s values.</summary>
    public IReadOnlyList<ImportField> Fields { get; init; } = Columns.OfType<ImportField>().ToArray();

    /// <summary>Columns an override said to ignore (field "-" or empty), as opposed to columns no name matched.</summary>
    public IReadOnlySet<int> IgnoredColumns { get; init; } = new HashSet<int>();

    /// <summary>Columns of Kith's own export that are not imported, with the reason (<see cref="MappedColumn.NotImported"/>).</summary>
    public IReadOnlyDictionary<int, string> NotImported { get; init; } = new Dictionary<int, string>();

    /// <summary>The index of the column mapped to <paramref name="key"/>, or -1.</summary>
    public int IndexOf(string key)
    {
        for (var i = 0; i < Columns.Count; i++)
            if (Columns[i] is { } f && f.Key == key) return i;
        return -1;
    }

    /// <summary>The header name of the column mapped to <paramref name="key"/>, or null.</summary>
    public string? ColumnOf(string key) => IndexOf(key) is var i and >= 0 ? ColumnName(i) : null;

    /// <summary>The header name of column <paramref name="index"/>, or "column N" (1-based) when it is blank.</summary>
    public string ColumnName(int index) =>
        string.IsNullOrWhiteSpace(Header[index]) ? $"column {index + 1}" : Header[index];

    /// <summary>Columns no header name matched and no override named: shown so the user can map them.</summary>
    public IReadOnlyList<string> UnmappedColumns =>
        Enumerable.Range(0, Header.Count).Where(i => Columns[i] is null && !IgnoredColumns.Contains(i)).Select(ColumnName).ToArray();

    /// <summary>Fields of <see cref="Fields"/> that no column maps to.</summary>
    public IReadOnlyList<ImportField> UnmappedFields => Fields.Where(f => IndexOf(f.Key) < 0).ToArray();

    /// <summary>
    /// Why the file cannot be imported as mapped: a required field, or every field of a required group, without a
    /// column (and without a default in <paramref name="policies"/>). Empty when it can. Check before reading rows,
    /// or every row is refused for the same reason.
    /// </summary>
    public IReadOnlyList<string> MissingRequired(IReadOnlyDictionary<string, MissingValueRule>? policies = null)
    {
        bool Covered(ImportField f) =>
            IndexOf(f.Key) >= 0 || policies?.GetValueOrDefault(f.Key) is { Policy: MissingValuePolicy.Default };
        var problems = new List<string>();
        foreach (var f in Fields.Where(f => f.Required && !Covered(f)))
            problems.Add($"No column maps to {f.Key}, which is required; header names that map to it: {string.Join(", ", f.Synonyms)}.");
        foreach (var group in Fields.Where(f => f.RequiredGroup is not null).GroupBy(f => f.RequiredGroup))
            if (!group.Any(Covered))
                problems.Add($"No column maps to {string.Join(" or ", group.Select(f => f.Key))}; one of them is required.");
        return problems;
    }

    /// <summary>Column to field key for every column ("-" when not imported): what a saved mapping template holds.</summary>
    public IReadOnlyDictionary<string, string> ToOverrides()
    {
        var map = new Dictionary<string, string>();
        for (var i = 0; i < Header.Count; i++) map.TryAdd(Header[i], Columns[i]?.Key ?? "-");
        return map;
    }

    /// <summary>The mapping as the import report lists it.</summary>
    public IReadOnlyList<MappedColumn> ToMappedColumns() =>
        Enumerable.Range(0, Header.Count)
            .Select(i => new MappedColumn(ColumnName(i), Columns[i]?.Key) { NotImported = Columns[i] is null ? NotImported.GetValueOrDefault(i) : null })
            .ToArray();
}
