using System.Text.Json;
using System.Text.Json.Nodes;
using Kith.Core.CustomFields;
using Kith.Core.Infrastructure;

namespace Kith.Core.Identity;

/// <summary>
/// Which customer and company fields one user may see and write, from their role's <see cref="FieldRule"/>s. The one
/// place every path asks: the list engine (filter, sort, search, totals), the queries (detail, list), the writers,
/// exporting, history and the timeline. A hidden field answers exactly like a field that does not exist, so even
/// its existence does not leak; a read-only one is shown and refused on write.
/// </summary>
public sealed class FieldAccess
{
    /// <summary>Everyone sees and writes everything: admins, and Kith's own work.</summary>
    public static FieldAccess Open { get; } = new([]);

    /// <summary>
    /// The built-in fields an admin may restrict, and every name under which each appears (API property, filter and
    /// sort field, history field, export column). A birth date gives the age away, and a phone's validity tells that
    /// there is one, so they go together. Name, owner, stage, company and tags are what a record is and whose it is:
    /// they stay open.
    /// </summary>
    public static IReadOnlyDictionary<CustomFieldEntity, IReadOnlyDictionary<string, string[]>> Restrictable { get; } =
        new Dictionary<CustomFieldEntity, IReadOnlyDictionary<string, string[]>>
        {
            [CustomFieldEntity.Customer] = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase)
            {
                ["email"] = ["email"],
                ["phone"] = ["phone", "phoneIsValid"],
                ["birthDate"] = ["birthDate", "age"],
                ["gender"] = ["gender"],
                ["city"] = ["city"],
                ["address"] = ["address"],
                ["source"] = ["source"],
                ["signupDate"] = ["signupDate"],
                ["externalId"] = ["externalId"],
                ["behavior"] = ["behavior", "firstSeenAt", "lastSeenAt", "lastPurchaseAt", "visits", "likes", "purchases", "revenueMicros", "revenue",
                    // The predictions are made from the behaviour and their reasons quote it (Predictions/PredictionQueries.cs).
                    "scores", "churnRisk", "expectedValue"],
            },
            [CustomFieldEntity.Company] = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase)
            {
                ["domain"] = ["domain"],
                ["industry"] = ["industry"],
                ["email"] = ["email"],
                ["phone"] = ["phone", "phoneIsValid"],
                ["website"] = ["website"],
                ["city"] = ["city"],
                ["address"] = ["address"],
                ["employees"] = ["employees"],
                ["externalId"] = ["externalId"],
            },
        };

    public const string CustomPrefix = "cf.";

    private readonly Dictionary<CustomFieldEntity, HashSet<string>> _hidden = [];
    private readonly Dictionary<CustomFieldEntity, HashSet<string>> _readOnly = [];

    public FieldAccess(IEnumerable<FieldRule> rules)
    {
        foreach (var entity in Enum.GetValues<CustomFieldEntity>())
        {
            _hidden[entity] = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            _readOnly[entity] = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        }
        foreach (var rule in rules)
        {
            var names = Names(rule.Entity, rule.Field);
            _readOnly[rule.Entity].UnionWith(names);
            if (rule.Restriction == FieldRestriction.Hidden) _hidden[rule.Entity].UnionWith(names);
        }
    }

    public bool IsOpen => _readOnly.Values.All(s => s.Count == 0);

    /// <summary>
    /// Whether a name (API property, filter or sort field, export column, history field) belongs to a hidden field.
    /// Custom fields may be named <c>cf.key</c> or <c>customFields.key</c>.
    /// </summary>
    public bool IsHidden(CustomFieldEntity entity, string name) => _hidden[entity].Contains(Canonical(name));

    /// <summary>Whether the user may not write a field (hidden fields are not written either).</summary>
    public bool IsReadOnly(CustomFieldEntity entity, string name) => _readOnly[entity].Contains(Canonical(name));

    public bool IsHiddenCustom(CustomFieldEntity entity, string key) => _hidden[entity].Contains(CustomPrefix + key);

    /// <summary>Every hidden name, custom fields as <c>customFields.key</c>: the field names history writes.</summary>
    public IReadOnlyList<string> HiddenHistoryFields(CustomFieldEntity entity) =>
        _hidden[entity].Select(n => n.StartsWith(CustomPrefix, StringComparison.Ordinal) ? "customFields." + n[CustomPrefix.Length..] : n).ToList();

    /// <summary>The custom field definitions the user may see.</summary>
    public IReadOnlyList<CustomFieldDefinition> Visible(IEnumerable<CustomFieldDefinition> definitions) =>
        definitions.Where(d => !IsHiddenCustom(d.Entity, d.Key)).ToList();

    /// <summary>The value, or its default when the field is hidden: how the read models blank what the caller may not see.</summary>
    public T? Shown<T>(CustomFieldEntity entity, string name, T? value) => IsHidden(entity, name) ? default : value;

    /// <summary>Custom field values without the hidden ones.</summary>
    public IReadOnlyDictionary<string, JsonElement> Visible(CustomFieldEntity entity, IReadOnlyDictionary<string, JsonElement> values) =>
        _hidden[entity].Count == 0 ? values : values.Where(p => !IsHiddenCustom(entity, p.Key)).ToDictionary(p => p.Key, p => p.Value);

    /// <summary>
    /// A record as JSON without its hidden properties (and hidden custom fields): what the API answers, where a
    /// hidden field is absent, not null.
    /// </summary>
    public JsonObject Shape(CustomFieldEntity entity, JsonObject record)
    {
        foreach (var name in record.Select(p => p.Key).ToList())
            if (IsHidden(entity, name)) record.Remove(name);
        if (record["customFields"] is JsonObject custom)
            foreach (var key in custom.Select(p => p.Key).ToList())
                if (IsHiddenCustom(entity, key)) custom.Remove(key);
        return record;
    }

    /// <summary>
    /// Mass assignment: a body that names a field the user may not write is refused whole, naming the field. A hidden
    /// field gets the answer of a field that does not exist; a read-only one says so.
    /// </summary>
    public void EnsureWritable(CustomFieldEntity entity, JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object) return;
        var errors = new Dictionary<string, string[]>();
        foreach (var p in body.EnumerateObject())
        {
            if (p.Name == "customFields" && p.Value.ValueKind == JsonValueKind.Object)
            {
                foreach (var c in p.Value.EnumerateObject()) Check("customFields." + c.Name, CustomPrefix + c.Name);
                continue;
            }
            Check(p.Name, p.Name);
        }
        if (errors.Count > 0)
            throw new RuleViolation($"Some fields cannot be set: {string.Join(", ", errors.Keys)}.", errors);

        void Check(string path, string name)
        {
            if (IsHidden(entity, name)) errors[path] = [name.StartsWith(CustomPrefix, StringComparison.Ordinal) ? $"There is no custom field '{name[CustomPrefix.Length..]}'." : "Unknown field."];
            else if (IsReadOnly(entity, name)) errors[path] = ["Your role may read this field but not change it."];
        }
    }

    /// <summary>
    /// A new record that gives a value to a field the user may not write is refused, naming the field (what an API
    /// body with the field becomes). Fields left empty are fine: the form of a restricted user never offers them.
    /// </summary>
    public void EnsureUnset<TInput>(CustomFieldEntity entity, TInput input, JsonSerializerOptions json)
    {
        if (_readOnly[entity].Count == 0) return;
        var node = JsonSerializer.SerializeToNode(input, json)!.AsObject();
        foreach (var name in node.Where(p => p.Value is null).Select(p => p.Key).ToList()) node.Remove(name);
        EnsureWritable(entity, JsonSerializer.SerializeToElement(node, json));
    }

    /// <summary>
    /// A whole-record save (a form, a new record) with the fields the user may not write put back to their current
    /// values (null for a new record): the form never showed or offered them, so what it sends for them means nothing.
    /// </summary>
    public TInput KeepRestricted<TInput>(CustomFieldEntity entity, TInput input, TInput? current, JsonSerializerOptions json)
    {
        if (_readOnly[entity].Count == 0) return input;
        var target = JsonSerializer.SerializeToNode(input, json)!.AsObject();
        var source = current is null ? new JsonObject() : JsonSerializer.SerializeToNode(current, json)!.AsObject();
        foreach (var name in _readOnly[entity])
        {
            if (name.StartsWith(CustomPrefix, StringComparison.Ordinal))
            {
                var key = name[CustomPrefix.Length..];
                if (target["customFields"] is not JsonObject custom) continue;
                custom.Remove(key);
                if (source["customFields"]?[key] is { } value) custom[key] = value.DeepClone();
            }
            else if (target.ContainsKey(name))
            {
                target[name] = source[name]?.DeepClone();
            }
        }
        return target.Deserialize<TInput>(json)!;
    }

    private static string Canonical(string name) =>
        name.StartsWith("customFields.", StringComparison.OrdinalIgnoreCase) ? CustomPrefix + name["customFields.".Length..] : name;

    private static IEnumerable<string> Names(CustomFieldEntity entity, string field) =>
        field.StartsWith(CustomPrefix, StringComparison.Ordinal) ? [field]
        : Restrictable[entity].TryGetValue(field, out var names) ? names : [field];
}
