namespace Kith.Core.Importing.Cleaning;

/// <summary>
/// What a field holds, which decides how its cells are cleaned. Outside this namespace the name clashes with
/// <see cref="System.ValueType"/>; files that switch on it can alias it (<c>using ValueType = Kith.Core.Importing.Cleaning.ValueType;</c>).
/// </summary>
public enum ValueType
{
    /// <summary>Trimmed, inner whitespace collapsed; a string.</summary>
    Text,
    /// <summary>Trimmed, lower-cased and checked; a string.</summary>
    Email,
    /// <summary>E.164 when it parses, else kept as typed and flagged; a string.</summary>
    Phone,
    /// <summary>A whole number; a long.</summary>
    Integer,
    /// <summary>A number with an optional fraction and currency symbol; a decimal.</summary>
    Decimal,
    /// <summary>A calendar date; a DateOnly.</summary>
    Date,
    /// <summary>A moment; a DateTime of kind Utc.</summary>
    Instant,
    /// <summary>One of the field's choices, read through its synonyms; the canonical choice as a string.</summary>
    Enum,
    /// <summary>Names split on ; and , (and their full-width forms), trimmed and de-duplicated; a string[].</summary>
    Tags,
    /// <summary>The email of a Kith user (an owner); cleaned like <see cref="Email"/>.</summary>
    UserEmail,
}
