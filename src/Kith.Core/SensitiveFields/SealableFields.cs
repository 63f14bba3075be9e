using Kith.Core.CustomFields;

namespace Kith.Core.SensitiveFields;

/// <summary>
/// Which customer fields can be sealed and where each keeps its sealed value and its lookup. Phone and address are
/// sealed in place (their columns are wide enough); a birth date column holds dates only, so its sealed value has a
/// column of its own and the date column stays empty; custom text fields are sealed inside the custom fields JSON,
/// their lookups in a JSON object beside it. Email is not sealable: it is how mail, imports, duplicates and erasure
/// recognise a person (ADR-0017).
/// </summary>
public static class SealableFields
{
    public const string Table = "customers";
    public const string Phone = "phone", Address = "address", BirthDate = "birthDate";
    public static readonly IReadOnlyList<string> BuiltIn = [Phone, BirthDate, Address];

    /// <summary>The lookup column of a built-in field, for the filter language.</summary>
    public static string LookupColumn(string field) => field switch
    {
        Phone => "phone_lookup",
        Address => "address_lookup",
        BirthDate => "birth_date_lookup",
        _ => throw new ArgumentOutOfRangeException(nameof(field)),
    };

    public static bool IsCustom(string field) => field.StartsWith("cf.", StringComparison.Ordinal);

    /// <summary>The name a history row gives a field (customFields.key) as a sealable field name (cf.key), or null.</summary>
    public static string? FromHistory(string? historyField) => historyField switch
    {
        Phone or Address or BirthDate => historyField,
        { } f when f.StartsWith("customFields.", StringComparison.Ordinal) => "cf." + f["customFields.".Length..],
        _ => null,
    };

    public static string ToHistory(string field) => IsCustom(field) ? "customFields." + field[3..] : field;

    /// <summary>Whether a field may be marked sensitive: the built-in three and custom text fields.</summary>
    public static bool CanSeal(string field, IEnumerable<CustomFieldDefinition> definitions) =>
        BuiltIn.Contains(field) || (IsCustom(field) && definitions.Any(d => d.Entity == CustomFieldEntity.Customer && d.Type == CustomFieldType.Text && d.Key == field[3..]));
}
