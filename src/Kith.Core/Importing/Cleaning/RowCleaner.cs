using System.Collections.Frozen;

namespace Kith.Core.Importing.Cleaning;

/// <summary>
/// Cleans whole rows of one file: each mapped cell by its field's type, then each missing value by its field's
/// policy, then the required groups. Immutable after construction, so rows may be cleaned in parallel; count them
/// afterwards with <see cref="CleaningStats.Add(CleanedRow)"/>.
/// </summary>
public sealed class RowCleaner
{
    private static readonly CellIssue[] s_none = [];

    private readonly ColumnMapping _mapping;
    private readonly ValueCleaner _cleaner;
    private readonly ImportField[] _fields;
    private readonly int[] _columnOf;
    private readonly string[] _columnName;
    private readonly MissingValuePolicy[] _policy;
    private readonly object?[] _default;
    private readonly int[] _active;
    private readonly (int[] Members, int Counted, string Column, string Message)[] _groups;
    private readonly RowShape _shape;
    private readonly string _regions;

    /// <param name="policies">
    /// What to do with a missing value, per field key; a field not named rejects the row when required and is left
    /// empty otherwise. A default value is cleaned like a cell of its field, and refused here when it is not valid.
    /// </param>
    public RowCleaner(ColumnMapping mapping, ValueCleaner cleaner, IReadOnlyDictionary<string, MissingValueRule>? policies = null)
    {
        _mapping = mapping;
        _cleaner = cleaner;
        _fields = mapping.Fields.ToArray();
        var n = _fields.Length;
        var ordinals = _fields.Select((f, i) => (f.Key, i)).DistinctBy(p => p.Key).ToFrozenDictionary(p => p.Key, p => p.i);
        _columnOf = _fields.Select(f => mapping.IndexOf(f.Key)).ToArray();
        _columnName = _fields.Select((f, i) => _columnOf[i] >= 0 ? mapping.ColumnName(_columnOf[i]) : f.Key).ToArray();
        _policy = new MissingValuePolicy[n];
        _default = new object?[n];

        foreach (var key in (policies ?? new Dictionary<string, MissingValueRule>()).Keys.Where(k => !ordinals.ContainsKey(k)))
            throw new MappingException(
                $"There is no field '{key}' (in the missing-value policies); the fields are: {ColumnMapper.List(_fields.Select(f => f.Key))}.");
        for (var i = 0; i < n; i++)
        {
            var field = _fields[i];
            var rule = policies?.GetValueOrDefault(field.Key);
            _policy[i] = rule?.Policy ?? (field.Required ? MissingValuePolicy.Reject : MissingValuePolicy.Empty);
            if (field.Required && _policy[i] == MissingValuePolicy.Empty)
                throw new MappingException($"{field.Key} is required, so a missing {field.Key} can reject the row or use a default, not be left empty.");
            if (_policy[i] != MissingValuePolicy.Default) continue;
            var cleaned = cleaner.Clean(rule!.Default, field);
            if (cleaned.IsMissing) throw new MappingException($"The policy 'default' for {field.Key} needs a default value.");
            if (cleaned.IsError) throw new MappingException($"The default value for {field.Key} is not valid: {cleaned.Error}");
            _default[i] = cleaned.Value;
        }
        // A field without a column is still cleaned when its policy has something to say about it being missing.
        _active = Enumerable.Range(0, n).Where(i => _columnOf[i] >= 0 || _policy[i] != MissingValuePolicy.Empty).ToArray();
        _groups = _fields.Select((f, i) => (f.RequiredGroup, i)).Where(p => p.RequiredGroup is not null).GroupBy(p => p.RequiredGroup)
            .Select(g =>
            {
                var members = g.Select(p => p.i).ToArray();
                var mapped = members.Where(i => _columnOf[i] >= 0).ToArray();
                var column = mapped.Length > 0 ? _columnName[mapped[0]] : string.Join(" or ", members.Select(i => _fields[i].Key));
                return (members, mapped.Length > 0 ? mapped[0] : members[0], column, $"{string.Join(" or ", members.Select(i => _fields[i].Key))} is required.");
            }).ToArray();
        _shape = new RowShape(_fields, ordinals, _columnOf.Select((c, i) => c >= 0 ? _columnName[i] : null).ToArray());
        _regions = string.Join(" or ", new[] { cleaner.DefaultRegion }.Concat(cleaner.FallbackRegions));
    }

    /// <summary>The fields in the order of <see cref="CleanedRow.Values"/>.</summary>
    public IReadOnlyList<ImportField> Fields => _fields;

    public ColumnMapping Mapping => _mapping;

    /// <summary>The index of <paramref name="key"/> in <see cref="CleanedRow.Values"/>, or -1.</summary>
    public int Ordinal(string key) => _shape.Ordinals.TryGetValue(key, out var i) ? i : -1;

    /// <summary>Empty counts for the fields of this import, e.g. one per thread or batch, added up with <see cref="CleaningStats.Add(CleaningStats)"/>.</summary>
    public CleaningStats CreateStats() => new(_shape);

    /// <summary>
    /// Cleans the row that starts on <paramref name="line"/>, counting it into <paramref name="stats"/> when given
    /// (one instance per thread). A row whose cell count differs from the header's is rejected as a whole (extra
    /// cells that are all blank, as spreadsheets leave, are ignored).
    /// </summary>
    public CleanedRow Clean(int line, string[] cells, CleaningStats? stats = null)
    {
        var row = CleanRow(line, cells);
        stats?.Add(row);
        return row;
    }

    private CleanedRow CleanRow(int line, string[] cells)
    {
        var n = _fields.Length;
        var values = new object?[n];
        var rules = new CleaningRule[n];
        List<CellIssue>? errors = null;
        List<CellIssue>? flags = null;

        var width = _mapping.Header.Count;
        if (cells.Length != width && (cells.Length < width || !IsBlankFrom(cells, width)))
        {
            return new CleanedRow(line, cells, values, rules,
                [new CellIssue("", $"The row has {cells.Length} cells; the header has {width}.")], s_none, _shape);
        }

        foreach (var i in _active)
        {
            var field = _fields[i];
            var column = _columnOf[i];
            var result = column >= 0 ? _cleaner.Clean(cells[column], field) : default;
            rules[i] = result.Rules;
            if (result.IsError)
            {
                (errors ??= []).Add(new CellIssue(_columnName[i], result.Error!));
                rules[i] |= CleaningRule.NotValid;
            }
            else if (result.Value is { } value)
            {
                values[i] = value;
                if ((result.Rules & CleaningRule.PhoneKeptAsTyped) != 0)
                    (flags ??= []).Add(new CellIssue(_columnName[i], ((string)value).StartsWith('+')
                        ? $"{ValueCleaner.Show((string)value)} is not a valid phone number; kept as typed."
                        : $"{ValueCleaner.Show((string)value)} is not a valid phone number in {_regions}; kept as typed."));
            }
            else
                switch (_policy[i])
                {
                    case MissingValuePolicy.Empty:
                        rules[i] |= CleaningRule.MissingLeftEmpty;
                        break;
                    case MissingValuePolicy.Default:
                        values[i] = _default[i];
                        rules[i] |= CleaningRule.MissingDefaultUsed;
                        break;
                    default:
                        (errors ??= []).Add(new CellIssue(_columnName[i], $"{field.Key} is required."));
                        rules[i] |= CleaningRule.MissingRejected;
                        break;
                }
        }

        foreach (var (members, counted, column, message) in _groups)
        {
            var satisfied = false;
            foreach (var i in members)
                satisfied |= values[i] is not null || (rules[i] & CleaningRule.NotValid) != 0;
            if (satisfied) continue;
            (errors ??= []).Add(new CellIssue(column, message));
            rules[counted] = (rules[counted] & ~CleaningRule.MissingLeftEmpty) | CleaningRule.MissingRejected;
        }

        return new CleanedRow(line, cells, values, rules, errors ?? (IReadOnlyList<CellIssue>)s_none, flags ?? (IReadOnlyList<CellIssue>)s_none, _shape);
    }

    private static bool IsBlankFrom(string[] cells, int start)
    {
        for (var i = start; i < cells.Length; i++)
            if (!string.IsNullOrWhiteSpace(cells[i])) return false;
        return true;
    }
}
