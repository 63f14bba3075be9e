using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.CustomFields;

/// <summary>What an admin sends to define or change a custom field.</summary>
public sealed class CustomFieldInput
{
    public CustomFieldEntity Entity { get; set; }
    /// <summary>Lower-case letters, digits and underscores, starting with a letter; cannot change once created.</summary>
    [Required, MaxLength(50)] public string Key { get; set; } = "";
    [Required, MaxLength(100)] public string Label { get; set; } = "";
    public CustomFieldType Type { get; set; }
    /// <summary>The allowed values of a Choice field.</summary>
    public List<string> Choices { get; set; } = [];
    public bool Required { get; set; }
    public int SortOrder { get; set; }
}

public sealed record CustomFieldView(
    long Id, CustomFieldEntity Entity, string Key, string Label, CustomFieldType Type, IReadOnlyList<string> Choices,
    bool Required, int SortOrder);

/// <summary>Lists custom fields (everyone) and defines, changes and removes them (admins only).</summary>
public sealed partial class CustomFieldDefinitions(KithDb db, TimeProvider clock)
{
    public async Task<IReadOnlyList<CustomFieldView>> ListAsync(CustomFieldEntity? entity, CancellationToken ct = default)
    {
        var query = db.CustomFields.AsNoTracking();
        if (entity is { } e) query = query.Where(f => f.Entity == e);
        var rows = await query.OrderBy(f => f.Entity).ThenBy(f => f.SortOrder).ThenBy(f => f.Key).ToListAsync(ct);
        return rows.Select(View).ToList();
    }

    public async Task<CustomFieldView> CreateAsync(CustomFieldInput input, AccessScope scope, CancellationToken ct = default)
    {
        EnsureAdmin(scope);
        Validate(input);
        if (await db.CustomFields.AnyAsync(f => f.Entity == input.Entity && f.Key == input.Key, ct))
            throw new RuleViolation($"A {input.Entity.ToString().ToLowerInvariant()} field with key '{input.Key}' exists already.",
                new Dictionary<string, string[]> { ["key"] = [$"The key '{input.Key}' is taken."] }, 409);
        var field = new CustomFieldDefinition
        {
            Entity = input.Entity, Key = input.Key, CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        Apply(field, input);
        db.CustomFields.Add(field);
        await db.SaveChangesAsync(ct);
        return View(field);
    }

    /// <summary>Changes the label, choices, required flag and order; the entity, key and type stay as created.</summary>
    public async Task<CustomFieldView> UpdateAsync(long id, CustomFieldInput input, AccessScope scope, CancellationToken ct = default)
    {
        EnsureAdmin(scope);
        var field = await db.CustomFields.FirstOrDefaultAsync(f => f.Id == id, ct) ?? throw new NotFound("Custom field");
        Validate(input);
        if (input.Key != field.Key) throw RuleViolation.Field("key", "The key of a field cannot change; values are stored under it.");
        if (input.Entity != field.Entity) throw RuleViolation.Field("entity", "A field cannot move to another kind of record.");
        if (input.Type != field.Type) throw RuleViolation.Field("type", "The type of a field cannot change; define a new field instead.");
        Apply(field, input);
        await db.SaveChangesAsync(ct);
        return View(field);
    }

    /// <summary>Removes the definition; values already stored stay in the records' JSON but are no longer shown or accepted.</summary>
    public async Task DeleteAsync(long id, AccessScope scope, CancellationToken ct = default)
    {
        EnsureAdmin(scope);
        var field = await db.CustomFields.FirstOrDefaultAsync(f => f.Id == id, ct) ?? throw new NotFound("Custom field");
        db.CustomFields.Remove(field);
        await db.SaveChangesAsync(ct);
    }

    /// <summary>
    /// Checks submitted values against the definitions and returns the JSON to store. Unknown keys, wrong types,
    /// values outside the choices and missing required fields are refused, each naming the field as customFields.key.
    /// </summary>
    /// <remarks>
    /// A value the record already holds for a field that has since been removed (<paramref name="storedJson"/>) is
    /// dropped silently when sent back unchanged, so records stay editable after an admin deletes a field.
    /// </remarks>
    public async Task<string> ValidateValuesAsync(CustomFieldEntity entity, IReadOnlyDictionary<string, JsonElement>? values, string? storedJson, CancellationToken ct)
    {
        var defs = await db.CustomFields.AsNoTracking().Where(f => f.Entity == entity).ToListAsync(ct);
        return Normalize(defs, values, storedJson);
    }

    internal static string Normalize(IReadOnlyList<CustomFieldDefinition> defs, IReadOnlyDictionary<string, JsonElement>? values, string? storedJson = null)
    {
        values ??= new Dictionary<string, JsonElement>();
        var stored = Parse(storedJson);
        var errors = new Dictionary<string, string[]>();
        var result = new SortedDictionary<string, object>(StringComparer.Ordinal);
        foreach (var (key, value) in values)
        {
            var def = defs.FirstOrDefault(d => d.Key == key);
            var name = "customFields." + key;
            if (def is null)
            {
                if (stored.TryGetValue(key, out var old) && old.GetRawText() == value.GetRawText()) result[key] = old;
                else errors[name] = [$"There is no custom field '{key}'."];
                continue;
            }
            if (value.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined) continue;
            if (value.ValueKind == JsonValueKind.String && value.GetString()!.Trim().Length == 0) continue;
            switch (def.Type)
            {
                case CustomFieldType.Text:
                    if (value.ValueKind != JsonValueKind.String) errors[name] = ["Expected text."];
                    else if (value.GetString()!.Length > 1000) errors[name] = ["At most 1000 characters."];
                    else result[key] = value.GetString()!.Trim();
                    break;
                case CustomFieldType.Number:
                    if (value.ValueKind == JsonValueKind.Number && value.TryGetDecimal(out var number)) result[key] = number;
                    else if (value.ValueKind == JsonValueKind.String && decimal.TryParse(value.GetString(), NumberStyles.Number, CultureInfo.InvariantCulture, out number)) result[key] = number;
                    else errors[name] = ["Expected a number."];
                    break;
                case CustomFieldType.Date:
                    if (value.ValueKind == JsonValueKind.String && DateOnly.TryParseExact(value.GetString(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
                        result[key] = date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
                    else errors[name] = ["Expected a date written yyyy-MM-dd."];
                    break;
                case CustomFieldType.Choice:
                    var choices = ChoicesOf(def);
                    var text = value.ValueKind == JsonValueKind.String ? value.GetString()! : null;
                    if (text is null || !choices.Contains(text)) errors[name] = [$"Expected one of: {string.Join(", ", choices)}."];
                    else result[key] = text;
                    break;
            }
        }
        foreach (var def in defs.Where(d => d.Required && !result.ContainsKey(d.Key)))
            errors.TryAdd("customFields." + def.Key, [$"{def.Label} is required."]);
        if (errors.Count > 0) throw new RuleViolation("Some custom field values are not valid.", errors);
        return JsonSerializer.Serialize(result);
    }

    public static Dictionary<string, JsonElement> Parse(string? json)
    {
        if (string.IsNullOrEmpty(json)) return [];
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.ValueKind == JsonValueKind.Object
            ? doc.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone())
            : [];
    }

    internal static IReadOnlyList<string> ChoicesOf(CustomFieldDefinition def) =>
        JsonSerializer.Deserialize<List<string>>(def.Choices) ?? [];

    private static void EnsureAdmin(AccessScope scope)
    {
        if (!scope.IsAdmin) throw new Forbidden("Only an administrator may define custom fields.");
    }

    private static void Validate(CustomFieldInput input)
    {
        input.Key = (input.Key ?? "").Trim();
        input.Label = (input.Label ?? "").Trim();
        var errors = new Dictionary<string, string[]>();
        if (!KeyPattern().IsMatch(input.Key))
            errors["key"] = ["A key has 1 to 50 lower-case letters, digits or underscores and starts with a letter."];
        if (input.Label.Length is 0 or > 100) errors["label"] = ["A label has 1 to 100 characters."];
        var choices = input.Choices.Select(c => (c ?? "").Trim()).Where(c => c.Length > 0).Distinct().ToList();
        if (input.Type == CustomFieldType.Choice && choices.Count == 0) errors["choices"] = ["A choice field needs at least one choice."];
        if (choices.Any(c => c.Length > 100) || choices.Count > 200) errors["choices"] = ["At most 200 choices of at most 100 characters."];
        if (input.Type != CustomFieldType.Choice && choices.Count > 0) errors["choices"] = ["Only a choice field has choices."];
        if (errors.Count > 0) throw new RuleViolation("The custom field is not valid.", errors);
        input.Choices = choices;
    }

    private static void Apply(CustomFieldDefinition field, CustomFieldInput input)
    {
        field.Label = input.Label;
        field.Type = input.Type;
        field.Choices = JsonSerializer.Serialize(input.Choices);
        field.Required = input.Required;
        field.SortOrder = input.SortOrder;
    }

    private static CustomFieldView View(CustomFieldDefinition f) =>
        new(f.Id, f.Entity, f.Key, f.Label, f.Type, ChoicesOf(f), f.Required, f.SortOrder);

    [GeneratedRegex("^[a-z][a-z0-9_]{0,49}$")]
    private static partial Regex KeyPattern();
}
