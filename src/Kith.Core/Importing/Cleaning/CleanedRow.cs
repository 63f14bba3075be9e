using System.Collections.Frozen;

namespace Kith.Core.Importing.Cleaning;

/// <summary>
/// A row after cleaning. <see cref="Values"/> and <see cref="Rules"/> are indexed like <see cref="RowCleaner.Fields"/>;
/// a value is null when missing (or when the row is rejected) and otherwise a string, long, decimal, DateOnly,
/// DateTime (UTC) or string[] (tags). A row with <see cref="Errors"/> cannot be stored; <see cref="Flags"/> are
/// stored values worth a look (a phone kept as typed).
/// </summary>
public sealed class CleanedRow
{
    internal CleanedRow(
        int line, string[] cells, object?[] values, CleaningRule[] rules, IReadOnlyList<CellIssue> errors,
        IReadOnlyList<CellIssue> flags, RowShape shape)
    {
        Line = line;
        Cells = cells;
        Values = values;
        Rules = rules;
        Errors = errors;
        Flags = flags;
        Shape = shape;
    }

    internal RowShape Shape { get; }

    /// <summary>The line in the file where the row starts (the header is line 1).</summary>
    public int Line { get; }
    /// <summary>The cells as read, for the rejected-rows file.</summary>
    public string[] Cells { get; }
    public object?[] Values { get; }
    public CleaningRule[] Rules { get; }
    public IReadOnlyList<CellIssue> Errors { get; }
    public IReadOnlyList<CellIssue> Flags { get; }
    public bool IsRejected => Errors.Count > 0;
    public bool Flagged => Flags.Count > 0;
    /// <summary>The phone (or another phone field) is not a valid number and was kept as typed.</summary>
    public bool PhoneKeptAsTyped => Array.Exists(Rules, r => (r & CleaningRule.PhoneKeptAsTyped) != 0);
    /// <summary>The fields, in the order of <see cref="Values"/>.</summary>
    public IReadOnlyList<ImportField> Fields => Shape.Fields;

    /// <summary>The value of the field with <paramref name="key"/>; null when missing.</summary>
    public object? this[string key] => Values[Ordinal(key)];

    public string? Text(string key) => this[key] as string;
    public long? Integer(string key) => this[key] as long?;
    public decimal? Decimal(string key) => this[key] as decimal?;
    public DateOnly? Date(string key) => this[key] as DateOnly?;
    public DateTime? Instant(string key) => this[key] as DateTime?;
    public IReadOnlyList<string> Tags(string key) => this[key] as string[] ?? [];
    public CleaningRule RulesOf(string key) => Rules[Ordinal(key)];

    private int Ordinal(string key) =>
        Shape.Ordinals.TryGetValue(key, out var i) ? i : throw new ArgumentException($"There is no field '{key}' in this import.", nameof(key));
}

/// <summary>What every row of one import shares: its fields, where to find them by key, and their columns' names.</summary>
internal sealed record RowShape(ImportField[] Fields, FrozenDictionary<string, int> Ordinals, string?[] Columns);
