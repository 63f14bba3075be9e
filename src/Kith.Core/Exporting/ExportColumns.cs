using System.Globalization;
using System.Text.Json;
using Kith.Core.CustomFields;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;

namespace Kith.Core.Exporting;

/// <summary>One column of an export: its header (the importer's field key) and how a record's cell is written.</summary>
internal sealed record ExportColumn<TRecord>(string Key, Func<TRecord, string?> Cell);

/// <summary>A record read for export: the custom field values are parsed once, on the first custom column.</summary>
internal abstract class ExportRecord
{
    private Dictionary<string, JsonElement>? _custom;

    public string CustomFieldsJson { get; set; } = "{}";

    public string? Custom(string key)
    {
        _custom ??= CustomFieldDefinitions.Parse(CustomFieldsJson);
        return _custom.TryGetValue(key, out var value) ? ExportCells.Json(value) : null;
    }
}

/// <summary>The columns of one kind of record, and the request's column list checked against them.</summary>
internal sealed class ExportColumns<TRecord>(string noun, IReadOnlyList<ExportColumn<TRecord>> importable, IReadOnlyList<ExportColumn<TRecord>> more)
    where TRecord : ExportRecord
{
    public const string CustomPrefix = "customFields.";

    /// <summary>The keys of the columns written on request only: values Kith works out, which an import never reads.</summary>
    public IReadOnlyList<string> SetByKith { get; } = more.Select(c => c.Key).ToArray();
    private const string ShortCustomPrefix = "cf.";

    /// <summary>
    /// The columns to write: <paramref name="requested"/> in its order, or every importable field and custom field.
    /// An unknown or repeated column is a 400 naming it and listing the known ones. Columns of fields hidden from the
    /// caller are left out, and naming one is the 400 of an unknown column.
    /// </summary>
    public IReadOnlyList<ExportColumn<TRecord>> Resolve(IReadOnlyList<string>? requested, IReadOnlyList<CustomFieldDefinition> customFields,
        FieldAccess fields, CustomFieldEntity entity)
    {
        var custom = customFields.Select(f => new ExportColumn<TRecord>(CustomPrefix + f.Key, r => r.Custom(f.Key)));
        bool Shown(ExportColumn<TRecord> c) => !fields.IsHidden(entity, c.Key);
        if (requested is null || requested.Count == 0) return [.. importable.Where(Shown), .. custom.Where(Shown)];
        var known = importable.Concat(more).Concat(custom).Where(Shown).ToDictionary(c => c.Key, StringComparer.OrdinalIgnoreCase);
        var result = new List<ExportColumn<TRecord>>();
        foreach (var raw in requested)
        {
            var name = raw.Trim();
            if (name.StartsWith(ShortCustomPrefix, StringComparison.OrdinalIgnoreCase)) name = CustomPrefix + name[ShortCustomPrefix.Length..];
            // Exports before ADR-0052 called the record's id "id"; a request naming it gets the kithId column.
            if (string.Equals(name, "id", StringComparison.OrdinalIgnoreCase)) name = Settings.KithIds.Field;
            if (!known.TryGetValue(name, out var column))
                throw RuleViolation.Field("columns",
                    $"'{raw}' is not a {noun} column; use any of: {string.Join(", ", known.Keys)}.");
            if (result.Contains(column)) throw RuleViolation.Field("columns", $"The column '{column.Key}' is named twice.");
            result.Add(column);
        }
        return result;
    }
}

/// <summary>How values are written as text: the forms the importer reads back (docs/exporting.md).</summary>
internal static class ExportCells
{
    public static string? Date(DateOnly? date) => date?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>ISO 8601 in UTC with a Z; fractions of a second only when there are some.</summary>
    public static string Instant(DateTime utc) =>
        DateTime.SpecifyKind(utc, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

    public static string? Number(long? value) => value?.ToString(CultureInfo.InvariantCulture);

    /// <summary>Enum values as the API writes them: female, lead.</summary>
    public static string? Enum<T>(T? value) where T : struct, System.Enum =>
        value is { } v ? JsonNamingPolicy.CamelCase.ConvertName(v.ToString()) : null;

    public static string Tags(IReadOnlyList<string> tags) => string.Join("; ", tags);

    public static string? Json(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => value.GetRawText(),
    };
}
