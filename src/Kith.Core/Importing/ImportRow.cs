namespace Kith.Core.Importing;

/// <summary>
/// A cleaned row on its way to the store: the values by field key (only mapped fields with a value are present),
/// its line in the file, and whether cleaning flagged it (a phone kept as typed). Values are typed: string, long,
/// decimal, DateOnly, DateTime (UTC) or string[] (tags).
/// </summary>
public sealed class ImportRow(int line, Dictionary<string, object?> values, bool flagged, string[] cells)
{
    /// <summary>Present (true) when the row's phone could not be read as a number and is kept as typed.</summary>
    public const string PhoneKeptAsTyped = "$phoneKeptAsTyped";

    public int Line { get; } = line;
    public IReadOnlyDictionary<string, object?> Values => values;
    public bool Flagged { get; } = flagged;
    /// <summary>The cells as read, for a rejection found while linking or storing the row.</summary>
    public string[] Cells { get; } = cells;

    /// <summary>The search text and n-grams of a record made from this row alone, worked out in parallel ahead of storing.</summary>
    public (string Text, string Grams)? Search { get; set; }

    public bool Has(string key) => values.TryGetValue(key, out var v) && v is not null;
    public string? Text(string key) => values.TryGetValue(key, out var v) ? v as string : null;
    public T? Value<T>(string key) where T : struct => values.TryGetValue(key, out var v) && v is T t ? t : null;
    public string[]? List(string key) => values.TryGetValue(key, out var v) ? v as string[] : null;

    public long? Long(string key) => values.TryGetValue(key, out var v) ? v switch
    {
        long l => l,
        int i => i,
        decimal d when decimal.Truncate(d) == d => (long)d,
        _ => null,
    } : null;

    public decimal? Decimal(string key) => values.TryGetValue(key, out var v) ? v switch
    {
        decimal d => d,
        long l => l,
        int i => i,
        double x => (decimal)x,
        _ => null,
    } : null;

    public DateTime? Instant(string key) => values.TryGetValue(key, out var v) ? v switch
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
