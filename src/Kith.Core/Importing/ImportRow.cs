namespace Kith.Core.Importing;

/// <summary>
/// A cleaned row on its way to the store: the values by field key (a field without a value reads as absent), its line
/// in the file, and whether cleaning flagged it (a phone kept as typed). Values are typed: string, long, decimal,
/// DateOnly, DateTime (UTC) or string[] (tags).
/// </summary>
/// <remarks>
/// The values stay in the cleaner's array, found through one key → position map shared by every row of a batch:
/// a dictionary per row cost a million dictionaries (and their collection) for a million-event file (ADR-0021).
/// </remarks>
public sealed class ImportRow(int line, ImportRow.Layout layout, object?[] values, bool phoneKeptAsTyped, bool flagged, string[] cells)
{
    /// <summary>Present (true) when the row's phone could not be read as a number and is kept as typed.</summary>
    public const string PhoneKeptAsTyped = "$phoneKeptAsTyped";

    public int Line { get; } = line;
    public bool Flagged { get; } = flagged;
    /// <summary>The cells as read, for a rejection found while linking or storing the row.</summary>
    public string[] Cells { get; } = cells;

    /// <summary>The fields that have a value, by key.</summary>
    public IEnumerable<KeyValuePair<string, object?>> Values
    {
        get
        {
            for (var i = 0; i < values.Length && i < layout.Keys.Count; i++)
                if (values[i] is { } v) yield return new(layout.Keys[i], v);
            if (phoneKeptAsTyped) yield return new(PhoneKeptAsTyped, true);
        }
    }

    /// <summary>The search text and n-grams of a record made from this row alone, worked out in parallel ahead of storing.</summary>
    public (string Text, string Grams)? Search { get; set; }

    public bool Has(string key) => key == PhoneKeptAsTyped ? phoneKeptAsTyped : Get(key) is not null;
    public string? Text(string key) => Get(key) as string;
    public T? Value<T>(string key) where T : struct => Get(key) is T t ? t : null;
    public string[]? List(string key) => Get(key) as string[];

    private object? Get(string key) => layout.IndexOf(key) is var i and >= 0 && i < values.Length ? values[i] : null;

    /// <summary>Where each field's value sits in a row's values: built once per batch, shared by its rows.</summary>
    public sealed class Layout
    {
        private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);

        public Layout(IEnumerable<string> keys)
        {
            Keys = keys.ToArray();
            for (var i = 0; i < Keys.Count; i++) _index.TryAdd(Keys[i], i);
        }

        public IReadOnlyList<string> Keys { get; }

        public int IndexOf(string key) => _index.TryGetValue(key, out var i) ? i : -1;
    }

    public long? Long(string key) => Get(key) is { } v ? v switch
    {
        long l => l,
        int i => i,
        decimal d when decimal.Truncate(d) == d => (long)d,
        _ => null,
    } : null;

    public decimal? Decimal(string key) => Get(key) is { } v ? v switch
    {
        decimal d => d,
        long l => l,
        int i => i,
        double x => (decimal)x,
        _ => null,
    } : null;

    public DateTime? Instant(string key) => Get(key) is { } v ? v switch
    {
        DateTime t => t,
        DateOnly d => d.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc),
        _ => null,
    } : null;
}

/// <summary>Thrown while storing a row for a reason found only then (an unknown customer, an owner who is no user): the row is rejected.</summary>
public sealed class RowRejected(string column, string message) : Exception(message)
{
    public string Column { get; } = column;
}
