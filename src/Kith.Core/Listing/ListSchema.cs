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
    /// <summary>
    /// The column lives in the schema's <see cref="ListSchema.SummaryTable"/> on PostgreSQL (the behaviour summary,
    /// ADR-0043), read through the join of <see cref="ListSchema.From"/> as <c>b.column</c>.
    /// </summary>
    public bool InSummary { get; init; }
}

/// <summary>
/// A sort key kept in another table with at most one row per record (the predictions of customer_scores), keyed by the
/// record's id. The table is joined only when a list is sorted by it, as <c>sc</c>, and walked on its
/// <see cref="Index"/> of (column, key); records without a value (no row, or a NULL) come after those with one in
/// either direction, found by their absence from the table.
/// </summary>
public sealed record JoinedSortKey(string Name, string Table, string Key, string Column, string Index)
{
    public const string Alias = "sc";

    /// <summary>The SQL expression of the value, with the table joined.</summary>
    public string Expression => $"{Alias}.{Column}";

    /// <summary>The records that have no value: a condition on <c>t</c> alone, without the join.</summary>
    public string Absent => $"NOT EXISTS (SELECT 1 FROM {Table} AS {Alias} WHERE {Alias}.{Key} = t.id AND {Alias}.{Column} IS NOT NULL)";
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
    /// <summary>Sort keys held in other tables, by name (sort only: their filters, if any, are written elsewhere).</summary>
    public IReadOnlyDictionary<string, JoinedSortKey> JoinedSorts { get; init; } = new Dictionary<string, JoinedSortKey>();
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
    /// <summary>
    /// On PostgreSQL, the table of the <see cref="ListField.InSummary"/> fields: one row per record, keyed by its id
    /// (ADR-0043). Null when every field is a column of <see cref="Table"/>.
    /// </summary>
    public string? SummaryTable { get; init; }

    /// <summary>
    /// The FROM of a statement over the records, as <c>t</c>. On PostgreSQL with a <see cref="SummaryTable"/> it is
    /// left-joined as <c>b</c>: a statement that names no <c>b</c> column has the join removed by the planner (the key
    /// is unique), and a condition that rejects NULLs in <c>b</c> turns it into an inner join, which may be driven from
    /// an index of <c>b</c>.
    /// </summary>
    public string From(Infrastructure.DatabaseProvider provider) =>
        SummaryTable is not null && provider == Infrastructure.DatabaseProvider.Postgres ? $"{Table} AS t LEFT JOIN {SummaryTable} AS b ON b.id = t.id" : $"{Table} AS t";

    /// <summary>The SQL expression of a field's column.</summary>
    public string Column(ListField field, Infrastructure.DatabaseProvider provider) =>
        (field.InSummary && SummaryTable is not null && provider == Infrastructure.DatabaseProvider.Postgres ? "b." : "t.") + field.Column;

    /// <summary>The digits of a phone column, as the search text holds them.</summary>
    public static string PhoneDigits(string column) =>
        $"replace(replace(replace(replace(replace(replace({column}, '+', ''), ' ', ''), '-', ''), '(', ''), ')', ''), '.', '')";

    public static IReadOnlyDictionary<string, ListField> Index(params ListField[] fields) =>
        fields.ToDictionary(f => f.Name, StringComparer.OrdinalIgnoreCase);
}
