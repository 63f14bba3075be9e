namespace Kith.Core.Importing.Cleaning;

/// <summary>
/// A field a column can map to. <paramref name="Key"/> is also the header Kith's exporter writes, so an exported
/// file maps back exactly. <paramref name="Required"/>: a row cannot be stored without it. <paramref name="MaxLength"/>
/// is in characters after cleaning, 0 for none. <paramref name="Synonyms"/> are header names in English and Chinese
/// that map here; they are compared ignoring case, spaces, punctuation and full-width forms.
/// </summary>
public sealed record ImportField(
    string Key, ValueType Type, bool Required, int MaxLength, IReadOnlyList<string> Synonyms, IReadOnlyList<string>? Choices = null)
{
    /// <summary>
    /// Fields sharing a group name are required together: at least one of them must have a value (a purchase names
    /// its customer by external id or by email).
    /// </summary>
    public string? RequiredGroup { get; init; }

    /// <summary>Text whose line breaks are content (a note): spaces and tabs collapse, line breaks stay.</summary>
    public bool MultiLine { get; init; }

    /// <summary>Bounds of an <see cref="ValueType.Integer"/> field, inclusive.</summary>
    public long? Minimum { get; init; }
    public long? Maximum { get; init; }

    /// <summary>
    /// Further spellings of the <see cref="Choices"/> (f, 女 → female), compared ignoring case. The choices themselves
    /// always match ignoring case.
    /// </summary>
    public IReadOnlyDictionary<string, string>? ChoiceSynonyms { get; init; }

    /// <summary>Set for admin-defined fields: the part of <see cref="Key"/> after "customFields.".</summary>
    public string? CustomFieldKey { get; init; }
}
