namespace Kith.Core.CustomFields;

public enum CustomFieldEntity { Customer, Company }

public enum CustomFieldType { Text, Number, Date, Choice }

/// <summary>A field an admin adds to customers or companies. Values live in the record's CustomFields JSON under <see cref="Key"/>.</summary>
public sealed class CustomFieldDefinition
{
    public long Id { get; set; }
    public CustomFieldEntity Entity { get; set; }
    /// <summary>The API and filter name: lower-case letters, digits and underscores, starting with a letter.</summary>
    public string Key { get; set; } = "";
    public string Label { get; set; } = "";
    public CustomFieldType Type { get; set; }
    /// <summary>For Choice fields, the allowed values as a JSON array of strings.</summary>
    public string Choices { get; set; } = "[]";
    public bool Required { get; set; }
    public int SortOrder { get; set; }
    public DateTime CreatedAt { get; set; }
}
