using Kith.Core.CustomFields;

namespace Kith.Core.Listing;

/// <summary>How the filter language reads a field's values and which SQL comparisons it allows.</summary>
public enum FieldKind { Text, Integer, Date, Instant, Enum, Boolean, Tag }

/// <summary>A field of the filter and sort languages: its API name and the column behind it (never user text).</summary>
public sealed record ListField(string Name, string Column, FieldKind Kind, bool Nullable, bool Sortable = false, Type? EnumType = null)
{
    /// <summary>Values are lower-cased before comparing (email, domain), as they are stored lower-cased.</summary>
    public bool LowerCase { get; init; }
    /// <summary>The value "me" means the caller's user id (owner).</summary>
    public bool AcceptsMe { get; init; }
}

/// <summary>What the list engine needs to know about one kind of owned record.</summary>
public sealed class ListSchema
{
    public required string Table { get; init; }
    /// <summary>The FTS5 table over search_grams on SQLite (see the SearchIndexes migration).</summary>
    public required string SearchTable { get; init; }
    public required string TagJoinTable { get; init; }
    public required string TagJoinColumn { get; init; }
    public required CustomFieldEntity CustomFieldEntity { get; init; }
    public required string DefaultSort { get; init; }
    public required IReadOnlyDictionary<string, ListField> Fields { get; init; }
    /// <summary>
    /// The fields the search text is made of, each with a SQL expression giving its value about as the search text
    /// holds it (lower-cased by the engine). Only used when one of them is hidden from the caller: the match must
    /// then also be found in one they see.
    /// </summary>
    public IReadOnlyList<(string Field, string Expression)> SearchColumns { get; init; } = [];
    /// <summary>
    /// On SQLite, the default sort's index, which also holds owner_id, deleted_at and search_text (the
    /// SearchCoveringIndex migration): a search walking it checks the owner and the LIKE on index entries alone.
    /// </summary>
    public string SearchCoveringIndex => $"ix_{Table}_live_updated_at";
    /// <summary>Customers: the filter also takes behaviour conditions (<see cref="BehaviorFilter"/>) and saved segments.</summary>
    public bool Behavior { get; init; }

    /// <summary>The digits of a phone column, as the search text holds them.</summary>
    public static string PhoneDigits(string column) =>
        $"replace(replace(replace(replace(replace(replace({column}, '+', ''), ' ', ''), '-', ''), '(', ''), ')', ''), '.', '')";

    public static IReadOnlyDictionary<string, ListField> Index(params ListField[] fields) =>
        fields.ToDictionary(f => f.Name, StringComparer.OrdinalIgnoreCase);
}
