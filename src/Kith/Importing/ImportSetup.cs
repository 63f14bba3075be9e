using System.Text.RegularExpressions;
using Kith.Core.Importing;

namespace Kith.Importing;

/// <summary>What to do when a field's cell is empty, as the mapping step offers it: the field's standard rule or one of the policies.</summary>
public enum MissingChoice { Standard, Reject, Empty, Default }

/// <summary>
/// What the user of the import page has chosen so far: the kind of file, the column mapping over the automatic one,
/// and the options. <see cref="ToOptions"/> turns it into the <see cref="ImportOptions"/> the preview and the job run
/// with, so what the preview shows is what the import does.
/// </summary>
public sealed partial class ImportSetup
{
    public ImportKind Kind { get; set; } = ImportKind.Customers;
    public ImportMode Mode { get; set; } = ImportMode.Upsert;
    public DuplicateAction OnDuplicate { get; set; } = DuplicateAction.Merge;
    public string? Region { get; set; }
    public string? Encoding { get; set; }
    /// <summary>comma, semicolon, tab or pipe; null to detect.</summary>
    public string? Delimiter { get; set; }
    public bool CreateMissingCustomers { get; set; }
    /// <summary>A saved mapping applied under <see cref="Map"/>.</summary>
    public string? Template { get; set; }

    /// <summary>Column (by <see cref="ColumnKey"/>) to field key, "-" to ignore: the user's changes to the automatic mapping.</summary>
    public Dictionary<string, string> Map { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, MissingChoice> Missing { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, string> Defaults { get; } = new(StringComparer.Ordinal);

    /// <summary>Back to the automatic mapping and standard rules, as when another kind of file is chosen.</summary>
    public void ResetMapping()
    {
        Map.Clear();
        Missing.Clear();
        Defaults.Clear();
        Template = null;
        CreateMissingCustomers = false;
    }

    public ImportOptions ToOptions() => new()
    {
        Mode = Mode,
        OnDuplicate = OnDuplicate,
        Region = string.IsNullOrWhiteSpace(Region) ? null : Region.Trim().ToUpperInvariant(),
        Encoding = string.IsNullOrWhiteSpace(Encoding) ? null : Encoding,
        Delimiter = Delimiter switch { "comma" => ',', "semicolon" => ';', "tab" => '\t', "pipe" => '|', _ => null },
        Template = Template,
        Map = new Dictionary<string, string>(Map, StringComparer.Ordinal),
        Missing = Missing.Where(m => m.Value != MissingChoice.Standard).ToDictionary(m => m.Key, m => m.Value switch
        {
            MissingChoice.Reject => new MissingValueRule(MissingValuePolicy.Reject),
            MissingChoice.Empty => new MissingValueRule(MissingValuePolicy.Empty),
            _ => new MissingValueRule(MissingValuePolicy.Default, Defaults.GetValueOrDefault(m.Key)?.Trim()),
        }, StringComparer.Ordinal),
        CreateMissingCustomers = IsLinked && CreateMissingCustomers,
    };

    /// <summary>
    /// The options the import starts with: columns the preview found on a field the user's role may only read are
    /// ignored, as the mapping step shows them (the import refuses them otherwise).
    /// </summary>
    public ImportOptions ToStartOptions(ImportPreview preview)
    {
        var options = ToOptions();
        for (var i = 0; i < preview.Columns.Count; i++)
            if (preview.ReadOnlyColumns.Any(c => c.Column == preview.Columns[i].Column)) options.Map.TryAdd(ColumnKey(preview.Columns, i), "-");
        return options;
    }

    public bool IsLinked => ImportTexts.IsLinked(Kind);

    /// <summary>
    /// How an override names column <paramref name="index"/>: by its header when that is unambiguous, else by position
    /// (#N), which is how the importer tells apart a header that repeats a name or leaves one blank.
    /// </summary>
    public static string ColumnKey(IReadOnlyList<MappedColumn> columns, int index)
    {
        var name = columns[index].Column;
        var unique = columns.Count(c => c.Column == name) == 1;
        return unique && !name.StartsWith('#') && !BlankHeader().IsMatch(name) ? name : "#" + (index + 1);
    }

    /// <summary>
    /// Maps column <paramref name="index"/> to <paramref name="field"/> (null or "-" to ignore it). A column already on
    /// that field is set to be ignored: a field takes one column, and the user's last choice is the one they meant.
    /// </summary>
    public void SetField(IReadOnlyList<MappedColumn> columns, int index, string? field)
    {
        field = string.IsNullOrEmpty(field) ? "-" : field;
        if (field != "-")
            for (var i = 0; i < columns.Count; i++)
                if (i != index && columns[i].Field == field) Map[ColumnKey(columns, i)] = "-";
        Map[ColumnKey(columns, index)] = field;
    }

    /// <summary>The mapping to save as a template: header name to field key ("-" ignored); blank headers have no name to save.</summary>
    public static Dictionary<string, string> TemplateOf(IReadOnlyList<MappedColumn> columns)
    {
        var mapping = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < columns.Count; i++)
            if (!BlankHeader().IsMatch(columns[i].Column)) mapping.TryAdd(columns[i].Column, columns[i].Field ?? "-");
        return mapping;
    }

    /// <summary>
    /// What keeps the file from importing as mapped: a required field, or all fields of a required group, with no
    /// column and no default value. The preview's own list does not know the defaults chosen here; the job does.
    /// </summary>
    public IReadOnlyList<MissingField> Unmapped(ImportPreview preview)
    {
        var mapped = preview.Columns.Select(c => c.Field).OfType<string>().ToHashSet(StringComparer.Ordinal);
        bool Covered(ImportFieldInfo f) =>
            mapped.Contains(f.Key) || (Missing.GetValueOrDefault(f.Key) == MissingChoice.Default && !string.IsNullOrWhiteSpace(Defaults.GetValueOrDefault(f.Key)));
        var problems = preview.Fields.Where(f => f.Required && !Covered(f)).Select(f => new MissingField([f.Key])).ToList();
        foreach (var group in preview.Fields.Where(f => f.RequiredGroup is not null).GroupBy(f => f.RequiredGroup))
            if (!group.Any(Covered)) problems.Add(new MissingField(group.Select(f => f.Key).ToList()));
        return problems;
    }

    /// <summary>
    /// Fields whose empty cells the user may decide about: those a column maps to, and the required ones (a default
    /// value can stand in for a column the file lacks).
    /// </summary>
    public static IEnumerable<ImportFieldInfo> PolicyFields(ImportPreview preview)
    {
        var mapped = preview.Columns.Select(c => c.Field).OfType<string>().ToHashSet(StringComparer.Ordinal);
        return preview.Fields.Where(f => mapped.Contains(f.Key) || f.Required || f.RequiredGroup is not null);
    }

    [GeneratedRegex(@"^column \d+$")]
    private static partial Regex BlankHeader();
}

/// <summary>A required field (or one of a group of fields, <see cref="Keys"/> has them all) that nothing fills.</summary>
public sealed record MissingField(IReadOnlyList<string> Keys);
