namespace Kith.Core.Importing.Cleaning;

/// <summary>
/// What cleaning did to a cell. Each is counted per field in the report and shown in the preview, so a user sees
/// every change the importer made instead of trusting a silent script.
/// </summary>
[Flags]
public enum CleaningRule
{
    None = 0,
    /// <summary>A leading ' that Kith's exporter puts before = + - @ tab, CR or ' was removed, so export then import is the identity.</summary>
    ExportQuoteRemoved = 1 << 0,
    Trimmed = 1 << 1,
    WhitespaceCollapsed = 1 << 2,
    /// <summary>Control characters (NUL and the like, which PostgreSQL refuses in text) were removed.</summary>
    ControlCharactersRemoved = 1 << 3,
    /// <summary>Full-width digits, letters or signs (typed with a Chinese input method) became their ASCII forms.</summary>
    FullWidthConverted = 1 << 4,
    LowerCased = 1 << 5,
    /// <summary>The phone number was rewritten as E.164.</summary>
    PhoneFormatted = 1 << 6,
    /// <summary>The phone number was valid only in one of the fallback regions.</summary>
    PhoneFallbackRegion = 1 << 7,
    /// <summary>The phone number is not valid in any region tried; it is kept as typed and flagged, not rejected.</summary>
    PhoneKeptAsTyped = 1 << 8,
    ThousandsSeparatorsRemoved = 1 << 9,
    /// <summary>A number such as 34.0 was read as the whole number 34.</summary>
    ReadAsWholeNumber = 1 << 10,
    CurrencySymbolRemoved = 1 << 11,
    /// <summary>A date written in another form than yyyy-MM-dd was read.</summary>
    DateFormatConverted = 1 << 12,
    ExcelSerialConverted = 1 << 13,
    /// <summary>A date column held a date and time; the time was dropped.</summary>
    TimeDropped = 1 << 14,
    /// <summary>A moment column held a date alone; it was read as midnight UTC.</summary>
    MidnightAssumed = 1 << 15,
    /// <summary>A moment without an offset or Z was read as UTC.</summary>
    UtcAssumed = 1 << 16,
    /// <summary>A moment with an offset other than zero was converted to UTC.</summary>
    ConvertedToUtc = 1 << 17,
    /// <summary>A value was read as one of the choices through a synonym or another case (F → female).</summary>
    ChoiceMapped = 1 << 18,
    DuplicateTagsRemoved = 1 << 19,
    /// <summary>A placeholder such as N/A, null or - in a typed column was read as a missing value.</summary>
    PlaceholderAsMissing = 1 << 20,

    // What happened to a missing or bad cell: outcomes rather than changes, kept here so that the preview shows
    // them on the cell and the report counts them with the rest.

    /// <summary>The cell was missing and the field left empty.</summary>
    MissingLeftEmpty = 1 << 21,
    /// <summary>The cell was missing and the field's default value was used.</summary>
    MissingDefaultUsed = 1 << 22,
    /// <summary>The cell was missing and its policy (or a required group) rejected the row.</summary>
    MissingRejected = 1 << 23,
    /// <summary>The cell could not be read; the row is rejected.</summary>
    NotValid = 1 << 24,
}

public static class CleaningRules
{
    /// <summary>Every rule, in the order the report lists them.</summary>
    public static readonly IReadOnlyList<CleaningRule> All =
        Enum.GetValues<CleaningRule>().Where(r => r != CleaningRule.None).ToArray();

    internal const int Count = 25;

    /// <summary>The words the report and the preview use, e.g. "lower-cased".</summary>
    public static string Describe(CleaningRule rule) => rule switch
    {
        CleaningRule.ExportQuoteRemoved => "export quote removed",
        CleaningRule.Trimmed => "trimmed",
        CleaningRule.WhitespaceCollapsed => "whitespace collapsed",
        CleaningRule.ControlCharactersRemoved => "control characters removed",
        CleaningRule.FullWidthConverted => "full-width characters converted",
        CleaningRule.LowerCased => "lower-cased",
        CleaningRule.PhoneFormatted => "formatted as E.164",
        CleaningRule.PhoneFallbackRegion => "read with a fallback region",
        CleaningRule.PhoneKeptAsTyped => "kept as typed (not a valid number)",
        CleaningRule.ThousandsSeparatorsRemoved => "thousands separators removed",
        CleaningRule.ReadAsWholeNumber => "read as a whole number",
        CleaningRule.CurrencySymbolRemoved => "currency symbol removed",
        CleaningRule.DateFormatConverted => "date format converted",
        CleaningRule.ExcelSerialConverted => "Excel serial date converted",
        CleaningRule.TimeDropped => "time of day dropped",
        CleaningRule.MidnightAssumed => "date read as midnight UTC",
        CleaningRule.UtcAssumed => "no offset, read as UTC",
        CleaningRule.ConvertedToUtc => "converted to UTC",
        CleaningRule.ChoiceMapped => "read as a listed choice",
        CleaningRule.DuplicateTagsRemoved => "duplicate tags removed",
        CleaningRule.PlaceholderAsMissing => "placeholder read as missing",
        CleaningRule.MissingLeftEmpty => "missing (left empty)",
        CleaningRule.MissingDefaultUsed => "missing (default used)",
        CleaningRule.MissingRejected => "missing (row rejected)",
        CleaningRule.NotValid => "not valid (row rejected)",
        _ => rule.ToString(),
    };

    /// <summary>The rules set in <paramref name="rules"/>, described, for a preview cell's tooltip.</summary>
    public static IEnumerable<string> DescribeEach(CleaningRule rules) =>
        All.Where(r => (rules & r) != 0).Select(Describe);
}
