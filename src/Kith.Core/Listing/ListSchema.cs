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
    /// <summary>Customers: the filter also takes behaviour conditions (<see cref="BehaviorFilter"/>) and saved segments.</summary>
    public bool Behavior { get; init; }

    public static IReadOnlyDictionary<string, ListField> Index(params ListField[] fields) =>
        fields.ToDictionary(f => f.Name, StringComparer.OrdinalIgnoreCase);
}
