using System.Globalization;

namespace Kith.Core.Importing.Cleaning;

/// <summary>Maps a file's header to fields: by name (English or Chinese, see <see cref="ImportFields"/>), then as overrides say.</summary>
public static class ColumnMapper
{
    /// <summary>
    /// <paramref name="overrides"/> are column=field pairs (from --map or a saved template) applied over the automatic
    /// mapping; a field of "-" or "" ignores the column. A column is named by its header (exactly, else ignoring
    /// case and punctuation) or by position as #N (1-based), for files whose header repeats a name. Throws
    /// <see cref="MappingException"/> for an unknown column or field, and when two columns land on one field.
    /// </summary>
    public static ColumnMapping Map(
        IReadOnlyList<string> header, IReadOnlyList<ImportField> fields, IReadOnlyDictionary<string, string>? overrides = null)
    {
        var byName = new Dictionary<string, ImportField>(StringComparer.Ordinal);
        // Keys first: an exported header always maps back to its own field, whatever another field's synonyms say.
        foreach (var f in fields) byName.TryAdd(HeaderNames.Normalize(f.Key), f);
        foreach (var f in fields)
            foreach (var s in f.Synonyms)
                byName.TryAdd(HeaderNames.Normalize(s), f);

        var columns = new ImportField?[header.Count];
        var decided = new bool[header.Count];
        var ignored = new HashSet<int>();
        var overridden = new Dictionary<int, string>();
        foreach (var (column, target) in overrides ?? new Dictionary<string, string>())
        {
            var index = FindColumn(header, column);
            var name = (target ?? "").Trim();
            ImportField? field = null;
            if (name is not ("" or "-"))
                field = Field(fields, name)
                    ?? throw new MappingException(
                        $"There is no field '{name}' (in the mapping of column '{column}'); the fields are: {List(fields.Select(f => f.Key))}, or - to ignore the column.");
            if (overridden.TryGetValue(index, out var earlier) && columns[index] != field)
                throw new MappingException($"Column '{header[index]}' is mapped twice, as '{earlier}' and '{column}'.");
            overridden[index] = column;
            decided[index] = true;
            columns[index] = field;
            if (field is null) ignored.Add(index);
        }

        for (var i = 0; i < header.Count; i++)
            if (!decided[i] && byName.TryGetValue(HeaderNames.Normalize(header[i]), out var f))
                columns[i] = f;

        var mapping = new ColumnMapping(header, columns) { Fields = fields, IgnoredColumns = ignored };
        foreach (var group in Enumerable.Range(0, header.Count).Where(i => columns[i] is not null).GroupBy(i => columns[i]!.Key))
        {
            var at = group.ToArray();
            if (at.Length < 2) continue;
            var names = at.Select(i => $"'{mapping.ColumnName(i)}'").ToArray();
            throw new MappingException(
                $"Columns {string.Join(" and ", names)} all map to {group.Key}; map all but one to another field, or ignore one ({mapping.ColumnName(at[^1])}=-).");
        }
        return mapping;
    }

    /// <summary>The field an override names (by its key, exactly or ignoring case and punctuation), or null.</summary>
    public static ImportField? Field(IReadOnlyList<ImportField> fields, string? target)
    {
        var name = (target ?? "").Trim();
        if (name is "" or "-") return null;
        return fields.FirstOrDefault(f => f.Key == name) ?? fields.FirstOrDefault(f => HeaderNames.Normalize(f.Key) == HeaderNames.Normalize(name));
    }

    private static int FindColumn(IReadOnlyList<string> header, string column)
    {
        for (var i = 0; i < header.Count; i++)
            if (header[i] == column) return i;
        var wanted = HeaderNames.Normalize(column);
        var matches = wanted.Length == 0 ? [] : Enumerable.Range(0, header.Count).Where(i => HeaderNames.Normalize(header[i]) == wanted).ToArray();
        if (matches.Length == 1) return matches[0];
        if (matches.Length > 1)
            throw new MappingException(
                $"Column '{column}' matches {matches.Length} columns ({List(matches.Select(i => "#" + (i + 1)))}); name one by its position, e.g. #{matches[0] + 1}.");
        if (column.StartsWith('#') && int.TryParse(column.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1 && n <= header.Count)
            return n - 1;
        throw new MappingException(
            $"There is no column '{column}' in the file; its columns are: {List(header.Select((h, i) => string.IsNullOrWhiteSpace(h) ? "#" + (i + 1) : h))}.");
    }

    /// <summary>Names for a message, cut short: a hostile header may have ten thousand columns.</summary>
    internal static string List(IEnumerable<string> names, int max = 60)
    {
        var shown = names.Take(max + 1).ToList();
        return shown.Count > max ? string.Join(", ", shown.Take(max)) + ", …" : string.Join(", ", shown);
    }
}
