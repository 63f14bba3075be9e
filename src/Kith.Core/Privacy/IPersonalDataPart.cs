using System.Data.Common;
using System.Globalization;
using System.Text.Json.Nodes;
using Kith.Core.CustomFields;
using Kith.Core.Identity;
using Kith.Core.Importing;
using Kith.Core.Infrastructure;

namespace Kith.Core.Privacy;

/// <summary>
/// What one feature holds about a person, and how to hand it over and remove it. Each feature folder implements one
/// and registers it with <see cref="PrivacyRegistration.AddPersonalDataPart{T}"/>; the export and the erasure run every
/// registered part, so a feature built later adds its part and both cover it with no change here.
/// </summary>
public interface IPersonalDataPart
{
    /// <summary>Adds the person's rows (and files) to the export, respecting the reader's reach where the feature has its own rule.</summary>
    Task ExportAsync(PersonalDataExport export, CancellationToken ct);

    /// <summary>
    /// Removes the person's rows inside the erasure's transaction, before their customer rows go. Counts each kind, and
    /// names files to remove once the transaction commits.
    /// </summary>
    Task EraseAsync(PersonalDataErasure erasure, CancellationToken ct);
}

/// <summary>
/// The person: their customer record and the hidden records merged into it (the same person under older ids), and the
/// identifiers other tables may hold them by (pending events by email or external id, import rejections by value).
/// </summary>
public sealed record PersonalDataSubject(long CustomerId, IReadOnlyList<long> CustomerIds, IReadOnlyList<string> Emails,
    IReadOnlyList<string> Phones, IReadOnlyList<string> ExternalIds, IReadOnlyList<string> Names)
{
    /// <summary>The ids as an SQL list; they are numbers Kith read from its own table, never text from a request.</summary>
    public string IdList => string.Join(",", CustomerIds.Select(i => i.ToString(CultureInfo.InvariantCulture)));
}

/// <summary>
/// Rows and files gathered for one person's export, by kind. The export is a read like any other: a customer field
/// hidden from the reader's role (<see cref="FieldAccess"/>) is left out of it, its column, its changes and its values
/// in the images Kith keeps of the record; each part leaves out what it holds of such fields.
/// </summary>
public sealed class PersonalDataExport(KithDb db, AccessScope scope, PersonalDataSubject subject, string dataDirectory)
{
    public KithDb Db => db;
    public AccessScope Scope => scope;
    public PersonalDataSubject Subject => subject;
    public string DataDirectory => dataDirectory;
    public SortedDictionary<string, List<Dictionary<string, object?>>> Sections { get; } = new(StringComparer.Ordinal);
    /// <summary>Name inside the zip to the file on disk.</summary>
    public List<(string Name, string Path)> Files { get; } = [];

    /// <summary>Adds every column of every row the query returns, under <paramref name="kind"/> (an empty kind is still listed).</summary>
    public async Task AddRowsAsync(string kind, string sql, CancellationToken ct, params object?[] args)
    {
        var rows = Section(kind);
        await Sql.ReadAsync(db, sql, r => rows.Add(Row(r)), ct, args);
    }

    /// <summary>An SQL IN list of parameters for <paramref name="values"/> starting at parameter <paramref name="first"/>; "NULL" when empty.</summary>
    public string Params(IReadOnlyList<string> values, int first = 0) => PersonalDataSql.Params(db, values, first);

    /// <summary>Whether a customer field (by any of its names: API property, history field, import key) is hidden from the reader.</summary>
    public bool IsHidden(string field) => scope.Fields.IsHidden(CustomFieldEntity.Customer, field);

    /// <summary>
    /// Leaves the reader's hidden customer fields out of rows read from the customers table: their columns
    /// (<c>birth_date</c> for birthDate) and their keys in <c>custom_fields</c>.
    /// </summary>
    public void HideCustomerColumns(List<Dictionary<string, object?>> rows)
    {
        if (scope.Fields.IsOpen) return;
        foreach (var row in rows)
        {
            foreach (var column in row.Keys.Where(c => IsHidden(ToPascal(c))).ToList()) row.Remove(column);
            if (row.GetValueOrDefault("custom_fields") is string custom) row["custom_fields"] = WithoutHiddenCustom(custom);
        }
    }

    /// <summary>
    /// A JSON image of a customer (an import's before-image, a merge's earlier survivor) without the reader's hidden
    /// fields; its custom fields may be an object or a JSON string, under any casing of "customFields".
    /// </summary>
    public string? WithoutHidden(string? json)
    {
        if (scope.Fields.IsOpen || json is null || JsonNode.Parse(json) is not JsonObject image) return json;
        foreach (var name in image.Select(p => p.Key).ToList())
        {
            if (name.Equals("customFields", StringComparison.OrdinalIgnoreCase))
            {
                image[name] = image[name] switch
                {
                    JsonObject custom => JsonNode.Parse(WithoutHiddenCustom(custom.ToJsonString())),
                    JsonValue text when text.TryGetValue<string>(out var s) => WithoutHiddenCustom(s),
                    var other => other?.DeepClone(),
                };
            }
            else if (IsHidden(name)) image.Remove(name);
        }
        return image.ToJsonString();
    }

    private string WithoutHiddenCustom(string json)
    {
        if (JsonNode.Parse(json) is not JsonObject custom) return json;
        foreach (var key in custom.Select(p => p.Key).Where(k => scope.Fields.IsHiddenCustom(CustomFieldEntity.Customer, k)).ToList()) custom.Remove(key);
        return custom.ToJsonString();
    }

    private static string ToPascal(string snake) =>
        string.Concat(snake.Split('_').Select(w => w.Length == 0 ? w : char.ToUpperInvariant(w[0]) + w[1..]));

    public List<Dictionary<string, object?>> Section(string kind)
    {
        if (!Sections.TryGetValue(kind, out var rows)) Sections[kind] = rows = [];
        return rows;
    }

    private static Dictionary<string, object?> Row(DbDataReader r)
    {
        var row = new Dictionary<string, object?>(r.FieldCount, StringComparer.Ordinal);
        for (var i = 0; i < r.FieldCount; i++)
        {
            var name = r.GetName(i);
            // Search columns are Kith's own index of the fields already exported, not data about the person.
            if (name is "search_text" or "search_grams") continue;
            row[name] = r.IsDBNull(i) ? null : r.GetValue(i) switch
            {
                DateTime d => DateTime.SpecifyKind(d, DateTimeKind.Utc).ToString("O", CultureInfo.InvariantCulture),
                byte[] b => Convert.ToBase64String(b),
                var v => v,
            };
        }
        return row;
    }
}

/// <summary>One erasure in progress: its transaction's context, the rows removed per kind, and files to remove after commit.</summary>
public sealed class PersonalDataErasure(KithDb db, PersonalDataSubject subject)
{
    public KithDb Db => db;
    public PersonalDataSubject Subject => subject;
    public SortedDictionary<string, int> Counts { get; } = new(StringComparer.Ordinal);
    public List<string> FilesToDelete { get; } = [];
    /// <summary>Tables rows were removed from, so PostgreSQL can vacuum just those.</summary>
    public SortedSet<string> Tables { get; } = new(StringComparer.Ordinal);

    /// <summary>Runs a DELETE (or UPDATE) and counts its rows under <paramref name="kind"/>.</summary>
    public async Task<int> ExecAsync(string kind, string table, string sql, CancellationToken ct, params object?[] args)
    {
        var n = await Sql.ExecAsync(db, sql, ct, args);
        Count(kind, n);
        Tables.Add(table);
        return n;
    }

    public void Count(string kind, int rows) => Counts[kind] = Counts.GetValueOrDefault(kind) + rows;

    /// <summary>An SQL IN list of parameters for <paramref name="values"/> starting at parameter <paramref name="first"/>; "NULL" when empty.</summary>
    public string Params(IReadOnlyList<string> values, int first = 0) => PersonalDataSql.Params(db, values, first);
}

internal static class PersonalDataSql
{
    public static string Params(KithDb db, IReadOnlyList<string> values, int first = 0) =>
        values.Count == 0 ? "NULL" : string.Join(",", values.Select((_, i) => Sql.P(db, first + i)));
}
