using System.Numerics;

namespace Kith.Core.Importing.Cleaning;

/// <summary>
/// Counts, per field, how many cells each cleaning rule changed and how missing and bad values went: what the
/// report and the preview show ("email: 812 lower-cased, 30 trimmed, 195 missing (left empty)").
/// </summary>
/// <remarks>
/// Rows are cleaned in parallel without touching shared state; counting happens afterwards, one row at a time
/// (<see cref="Add(CleanedRow)"/>), or per batch into its own instance that is then added to a total
/// (<see cref="Add(CleaningStats)"/>). Every method takes a lock, so a total may be shared between threads.
/// </remarks>
public sealed class CleaningStats
{
    private const int Slots = CleaningRules.Count;

    private readonly Lock _lock = new();
    private IReadOnlyList<ImportField> _fields = [];
    private IReadOnlyList<string?> _columns = [];
    private long[] _counts = [];

    public CleaningStats()
    {
    }

    internal CleaningStats(RowShape shape) => Shape(shape.Fields, shape.Columns);

    public long Rows { get; private set; }
    public long RejectedRows { get; private set; }
    public long FlaggedRows { get; private set; }

    /// <summary>Counts the rules and outcomes of one cleaned row.</summary>
    public void Add(CleanedRow row)
    {
        lock (_lock)
        {
            Shape(row.Shape.Fields, row.Shape.Columns);
            for (var i = 0; i < row.Rules.Length; i++)
            {
                var bits = (uint)row.Rules[i];
                while (bits != 0)
                {
                    _counts[i * Slots + BitOperations.TrailingZeroCount(bits)]++;
                    bits &= bits - 1;
                }
            }
            Rows++;
            if (row.IsRejected) RejectedRows++;
            if (row.Flagged) FlaggedRows++;
        }
    }

    /// <summary>Adds the counts of <paramref name="other"/>, made for the same fields.</summary>
    public void Add(CleaningStats other)
    {
        long[] counts;
        IReadOnlyList<ImportField> fields;
        IReadOnlyList<string?> columns;
        long rows, rejected, flagged;
        lock (other._lock)
        {
            (counts, fields, columns) = ((long[])other._counts.Clone(), other._fields, other._columns);
            (rows, rejected, flagged) = (other.Rows, other.RejectedRows, other.FlaggedRows);
        }
        if (fields.Count == 0) return;
        lock (_lock)
        {
            Shape(fields, columns);
            for (var i = 0; i < _counts.Length; i++) _counts[i] += counts[i];
            Rows += rows;
            RejectedRows += rejected;
            FlaggedRows += flagged;
        }
    }

    private void Shape(IReadOnlyList<ImportField> fields, IReadOnlyList<string?> columns)
    {
        if (ReferenceEquals(fields, _fields)) return;
        if (_fields.Count > 0 && !_fields.Select(f => f.Key).SequenceEqual(fields.Select(f => f.Key)))
            throw new ArgumentException("The counts come from an import with other fields.");
        if (_fields.Count == 0) _counts = new long[fields.Count * Slots];
        _fields = fields;
        _columns = columns;
    }

    /// <summary>Per field, in the order of the fields.</summary>
    public IReadOnlyList<FieldCleaningStats> Fields
    {
        get
        {
            lock (_lock)
                return _fields.Select((f, i) => new FieldCleaningStats(f.Key, _columns[i],
                        CleaningRules.All
                            .Select(r => (Rule: r, Count: _counts[i * Slots + BitOperations.TrailingZeroCount((uint)r)]))
                            .Where(p => p.Count > 0)
                            .ToDictionary(p => p.Rule, p => p.Count)))
                    .ToArray();
        }
    }

    /// <summary>The counts of the field with <paramref name="key"/> (all zero before any row was added).</summary>
    public FieldCleaningStats this[string key] =>
        Fields.FirstOrDefault(f => f.Key == key) ?? new FieldCleaningStats(key, null, new Dictionary<CleaningRule, long>());

    /// <summary>Per field key, each count under the words the report uses; fields cleaning did not touch are left out.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, long>> ToSummary() =>
        Fields.Where(f => f.Rules.Count > 0).ToDictionary(f => f.Key, f => f.Counts);

    /// <summary>One line per field that cleaning touched, e.g. "email: 812 lower-cased, 30 trimmed, 195 missing (left empty)".</summary>
    public IReadOnlyList<string> Describe() =>
        Fields.Where(f => f.Rules.Count > 0)
            .Select(f => $"{f.Key}: {string.Join(", ", f.Counts.Select(c => $"{c.Value} {c.Key}"))}")
            .ToArray();
}

/// <summary>What cleaning did to one field: per rule (and outcome) the number of cells.</summary>
public sealed record FieldCleaningStats(string Key, string? Column, IReadOnlyDictionary<CleaningRule, long> Rules)
{
    public long Count(CleaningRule rule) => Rules.GetValueOrDefault(rule);

    public long LeftEmpty => Count(CleaningRule.MissingLeftEmpty);
    public long Defaulted => Count(CleaningRule.MissingDefaultUsed);
    public long MissingRejected => Count(CleaningRule.MissingRejected);
    public long Missing => LeftEmpty + Defaulted + MissingRejected;
    public long Invalid => Count(CleaningRule.NotValid);

    /// <summary>Every count above zero under the words the report uses, in the order of <see cref="CleaningRules.All"/>.</summary>
    public IReadOnlyDictionary<string, long> Counts =>
        CleaningRules.All.Where(Rules.ContainsKey).ToDictionary(CleaningRules.Describe, r => Rules[r]);
}
