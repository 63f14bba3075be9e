using System.Buffers;
using System.Net.Mail;
using PhoneNumbers;

namespace Kith.Core.Importing.Cleaning;

/// <summary>
/// Cleans one cell by the type of its field. Immutable and thread-safe: one instance serves every thread of an
/// import. Nothing here throws on bad input; a cell that cannot be read comes back with an error that quotes it.
/// </summary>
/// <remarks>
/// Every method first removes the ' that Kith's exporter puts before a cell starting with = + - @ tab, CR or ',
/// so export then import gives back what was exported.
/// </remarks>
public sealed partial class ValueCleaner
{
    private static readonly PhoneNumberUtil s_phones = PhoneNumberUtil.GetInstance();

    // Regions that write a date as month/day/year; elsewhere 05/03/2024 is the 5th of March.
    private static readonly HashSet<string> s_monthFirstRegions = ["US", "PR", "GU", "VI", "AS", "MP", "UM", "PH", "FM", "MH", "PW"];

    // What spreadsheets and pandas write for "no value"; read as missing in typed columns only, since in a text
    // column "NA" may be somebody's initials.
    private static readonly string[] s_placeholders = ["null", "n/a", "na", "nan", "none", "#n/a", "-", "--", "无", "空"];

    /// <param name="defaultRegion">Region (CN, US, GB…) for phone numbers without a country code, and for the order of day and month in dates.</param>
    /// <param name="fallbackRegions">Regions tried, in order, for a phone number that is not valid in the default region.</param>
    /// <param name="monthFirstDates">Whether 05/03/2024 is the 3rd of May; by default only in the US and regions that write dates its way.</param>
    public ValueCleaner(string defaultRegion, IReadOnlyList<string>? fallbackRegions = null, bool? monthFirstDates = null)
    {
        var supported = s_phones.GetSupportedRegions();
        string Check(string region) =>
            supported.Contains(region.Trim().ToUpperInvariant())
                ? region.Trim().ToUpperInvariant()
                : throw new ArgumentException($"'{region}' is not a region code such as CN, US or GB.", nameof(defaultRegion));
        DefaultRegion = Check(defaultRegion);
        FallbackRegions = (fallbackRegions ?? []).Select(Check).Where(r => r != DefaultRegion).Distinct().ToArray();
        MonthFirstDates = monthFirstDates ?? s_monthFirstRegions.Contains(DefaultRegion);
        _nationalPrefix = s_phones.GetMetadataForRegion(DefaultRegion)?.NationalPrefix;
    }

    private readonly string? _nationalPrefix;

    public string DefaultRegion { get; }
    public IReadOnlyList<string> FallbackRegions { get; }
    public bool MonthFirstDates { get; }

    /// <summary>Cleans <paramref name="raw"/> (null or blank is missing) as <paramref name="field"/> says.</summary>
    public CleanResult Clean(string? raw, ImportField field) => field.Type switch
    {
        ValueType.Text => Text(raw, field.MaxLength, field.MultiLine),
        ValueType.Email or ValueType.UserEmail => Email(raw, field.MaxLength),
        ValueType.Phone => Phone(raw, field.MaxLength),
        ValueType.Integer => Integer(raw, field.Minimum, field.Maximum),
        ValueType.Decimal => Decimal(raw),
        ValueType.Date => Date(raw),
        ValueType.Instant => Instant(raw),
        ValueType.Enum => Choice(raw, field.Choices ?? [], field.ChoiceSynonyms),
        ValueType.Tags => Tags(raw),
        _ => throw new ArgumentOutOfRangeException(nameof(field), field.Type, "Unknown value type."),
    };

    /// <summary>
    /// The cell without the leading ' that Kith's exporter adds to neutralise a formula (and to keep a leading '
    /// itself); any other cell as it is.
    /// </summary>
    public static string RemoveExportQuote(string cell) => HasExportQuote(cell) ? cell[1..] : cell;

    private static bool HasExportQuote(ReadOnlySpan<char> s) =>
        s.Length >= 2 && s[0] == '\'' && s[1] is '=' or '+' or '-' or '@' or '\t' or '\r' or '\'';

    // ---- text ----

    /// <summary>
    /// Trimmed, runs of whitespace collapsed to one space and control characters removed; with
    /// <paramref name="multiLine"/>, line breaks stay (spaces around them go). Longer than <paramref name="maxLength"/>
    /// (when above 0) is an error.
    /// </summary>
    public CleanResult Text(string? raw, int maxLength = 0, bool multiLine = false)
    {
        var rules = CleaningRule.None;
        var s = Start(raw, ref rules);
        var t = s.Trim();
        if (t.Length != s.Length) rules |= CleaningRule.Trimmed;
        if (t.IsEmpty) return CleanResult.Missing(rules);
        var value = NeedsCollapse(t, multiLine) ? Collapse(t, multiLine, ref rules) : AsString(raw!, t);
        if (value.Length == 0) return CleanResult.Missing(rules);
        if (maxLength > 0 && value.Length > maxLength)
            return CleanResult.Fail($"{Show(value)} has {value.Length} characters; at most {maxLength} are allowed.", rules);
        return new(value, null, rules);
    }

    private static bool NeedsCollapse(ReadOnlySpan<char> s, bool multiLine)
    {
        var previousSpace = false;
        foreach (var c in s)
        {
            if (c == ' ')
            {
                if (previousSpace) return true;
                previousSpace = true;
            }
            else if (c is '\n' or '\r')
            {
                if (!multiLine || previousSpace) return true;
            }
            else if (char.IsWhiteSpace(c) || char.IsControl(c)) return true;
            else previousSpace = false;
        }
        return false;
    }

    private static string Collapse(ReadOnlySpan<char> s, bool multiLine, ref CleaningRule rules)
    {
        char[]? rented = null;
        var buffer = s.Length <= 512 ? stackalloc char[512] : (rented = ArrayPool<char>.Shared.Rent(s.Length));
        try
        {
            var n = 0;
            var pendingSpace = false;
            var collapsed = false;
            foreach (var c in s)
            {
                if (multiLine && c is '\n' or '\r')
                {
                    collapsed |= pendingSpace;
                    pendingSpace = false;
                    buffer[n++] = c;
                }
                else if (char.IsWhiteSpace(c))
                {
                    collapsed |= pendingSpace || c != ' ';
                    pendingSpace = true;
                }
                else if (char.IsControl(c)) rules |= CleaningRule.ControlCharactersRemoved;
                else
                {
                    if (pendingSpace)
                    {
                        if (n > 0 && buffer[n - 1] is not ('\n' or '\r')) buffer[n++] = ' ';
                        else collapsed = true;
                    }
                    pendingSpace = false;
                    buffer[n++] = c;
                }
            }
            if (collapsed) rules |= CleaningRule.WhitespaceCollapsed;
            return new string(buffer[..n]);
        }
        finally
        {
            if (rented is not null) ArrayPool<char>.Shared.Return(rented);
        }
    }

    // ---- email ----

    /// <summary>Trimmed and lower-cased; an address <see cref="Customers.ContactRules.NormalizeEmail"/> would refuse is an error.</summary>
    public CleanResult Email(string? raw, int maxLength = 254)
    {
        var rules = CleaningRule.None;
        if (!Typed(raw, ref rules, out var s)) return CleanResult.Missing(rules);
        if (maxLength > 0 && s.Length > maxLength)
            return CleanResult.Fail($"{Show(s)} has {s.Length} characters; at most {maxLength} are allowed.", rules);
        var text = AsString(raw!, s);
        var lower = text.ToLowerInvariant();
        if (!string.Equals(lower, text, StringComparison.Ordinal)) rules |= CleaningRule.LowerCased;
        if (!IsEmail(lower)) return CleanResult.Fail($"{Show(text)} is not an email address.", rules);
        return new(lower, null, rules);
    }

    /// <summary>The check of <see cref="Customers.ContactRules.NormalizeEmail"/> without its exception, on a trimmed lower-case address.</summary>
    internal static bool IsEmail(string e)
    {
        var at = e.IndexOf('@');
        if (!(at > 0 && at == e.LastIndexOf('@') && e.IndexOf('.', at) > at + 1 && !e.EndsWith('.'))) return false;
        foreach (var c in e)
            if (char.IsWhiteSpace(c) || char.IsControl(c) || c is '<' or '>' or '(' or ')' or ',' or ';' or ':' or '"' or '[' or ']' or '\\')
                return false;
        // MailAddress costs about a microsecond; the plain addresses nearly every file holds are accepted by it for sure.
        return IsPlainAddress(e, at) || (MailAddress.TryCreate(e, out var parsed) && parsed.Address == e);
    }

    private static bool IsPlainAddress(string e, int at)
    {
        var local = e.AsSpan(0, at);
        if (local[0] == '.' || local[^1] == '.' || local.Contains("..", StringComparison.Ordinal)) return false;
        foreach (var c in local)
            if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '_' or '+' or '-')) return false;
        var domain = e.AsSpan(at + 1);
        foreach (var range in domain.Split('.'))
        {
            var label = domain[range];
            if (label.IsEmpty || label[0] == '-' || label[^1] == '-') return false;
            foreach (var c in label)
                if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')) return false;
        }
        return true;
    }

    // ---- phone ----

    /// <summary>
    /// E.164 when the number is valid in the default region or, failing that, in a fallback region; a number valid in
    /// none is kept as typed and flagged (<see cref="CleaningRule.PhoneKeptAsTyped"/>), not refused. Text with letters,
    /// or fewer than three digits, is not a phone number and is an error.
    /// </summary>
    public CleanResult Phone(string? raw, int maxLength = 40)
    {
        var rules = CleaningRule.None;
        if (!Typed(raw, ref rules, out var s)) return CleanResult.Missing(rules);
        var digits = 0;
        var plain = true;
        var previousSpace = false;
        foreach (var c in s)
        {
            if (char.IsAsciiDigit(c)) digits++;
            else if (char.IsWhiteSpace(c))
            {
                plain &= c == ' ' && !previousSpace;
                previousSpace = true;
                continue;
            }
            else if (c is not ('+' or '-' or '.' or '(' or ')' or '/'))
                return CleanResult.Fail($"{Show(s)} is not a phone number: use digits, spaces, + - . ( ) only.", rules);
            previousSpace = false;
        }
        if (digits < 3) return CleanResult.Fail($"{Show(s)} is not a phone number: it has fewer than 3 digits.", rules);
        var typed = plain ? AsString(raw!, s) : Collapse(s, multiLine: false, ref rules);
        if (maxLength > 0 && typed.Length > maxLength)
            return CleanResult.Fail($"{Show(typed)} has {typed.Length} characters; at most {maxLength} are allowed.", rules);

        // A number written with + carries its country; another region reads it the same.
        var national = typed[0] != '+';
        var withoutTrunkPrefix = national && FallbackRegions.Count > 0 && _nationalPrefix is { Length: > 0 } prefix && !DigitsStartWith(typed, prefix);
        var e164 = ToE164(typed, DefaultRegion, withoutTrunkPrefix, out var type);
        if (e164 is not null && withoutTrunkPrefix && type == PhoneNumberType.FIXED_LINE)
        {
            // Valid here only as a landline written without its trunk prefix: "(415) 555-0123" is a Chinese landline
            // in Dandong to the letter, but people write those 0415-5550123. A region that reads it is a better guess.
            foreach (var region in FallbackRegions)
                if (ToE164(typed, region, false, out _) is { } other)
                {
                    e164 = other;
                    rules |= CleaningRule.PhoneFallbackRegion;
                    break;
                }
        }
        if (e164 is null && national)
            foreach (var region in FallbackRegions)
                if ((e164 = ToE164(typed, region, false, out _)) is not null)
                {
                    rules |= CleaningRule.PhoneFallbackRegion;
                    break;
                }
        if (e164 is null) return new(typed, null, rules | CleaningRule.PhoneKeptAsTyped);
        if (!string.Equals(e164, typed, StringComparison.Ordinal)) rules |= CleaningRule.PhoneFormatted;
        return new(e164, null, rules);
    }

    /// <summary>E.164, or null when the number is not valid in <paramref name="region"/>; the type (which costs as much as the check) only when asked.</summary>
    private static string? ToE164(string number, string region, bool withType, out PhoneNumberType type)
    {
        type = PhoneNumberType.UNKNOWN;
        try
        {
            var parsed = s_phones.Parse(number, region);
            if (!s_phones.IsValidNumber(parsed)) return null;
            if (withType) type = s_phones.GetNumberType(parsed);
            return s_phones.Format(parsed, PhoneNumberFormat.E164);
        }
        catch (NumberParseException)
        {
            return null;
        }
    }

    private static bool DigitsStartWith(string number, string prefix)
    {
        var matched = 0;
        foreach (var c in number)
        {
            if (!char.IsAsciiDigit(c)) continue;
            if (c != prefix[matched]) return false;
            if (++matched == prefix.Length) return true;
        }
        return false;
    }

    // ---- choices and tags ----

    /// <summary>One of <paramref name="choices"/> (ignoring case) or of the <paramref name="synonyms"/> of one; the choice as spelled in the list.</summary>
    public CleanResult Choice(string? raw, IReadOnlyList<string> choices, IReadOnlyDictionary<string, string>? synonyms = null)
    {
        var rules = CleaningRule.None;
        var s = Start(raw, ref rules);
        var t = s.Trim();
        if (t.Length != s.Length) rules |= CleaningRule.Trimmed;
        if (t.IsEmpty) return CleanResult.Missing(rules);
        t = FoldFullWidth(t, ref rules);
        foreach (var choice in choices)
            if (t.Equals(choice, StringComparison.OrdinalIgnoreCase))
                return new(choice, null, t.SequenceEqual(choice) ? rules : rules | CleaningRule.ChoiceMapped);
        if (synonyms is not null)
        {
            var key = t.ToString();
            if (synonyms.TryGetValue(key, out var mapped) ||
                (mapped = synonyms.FirstOrDefault(p => string.Equals(p.Key, key, StringComparison.OrdinalIgnoreCase)).Value) is not null)
                return new(mapped, null, rules | CleaningRule.ChoiceMapped);
        }
        if (IsPlaceholder(t)) return CleanResult.Missing(rules | CleaningRule.PlaceholderAsMissing);
        return CleanResult.Fail($"{Show(t)} is not one of: {string.Join(", ", choices)}.", rules);
    }

    /// <summary>Tag names separated by ; or , (or ；，、), each trimmed and at most 50 characters, duplicates (ignoring case) removed.</summary>
    public CleanResult Tags(string? raw)
    {
        const int maxLength = 50;
        var rules = CleaningRule.None;
        var s = Start(raw, ref rules);
        var t = s.Trim();
        if (t.Length != s.Length) rules |= CleaningRule.Trimmed;
        if (t.IsEmpty) return CleanResult.Missing(rules);
        var tags = new List<string>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var range in t.SplitAny(";,；，、"))
        {
            var part = t[range];
            var name = part.Trim();
            if (name.IsEmpty) continue;
            var text = NeedsCollapse(name, multiLine: false) ? Collapse(name, multiLine: false, ref rules) : name.ToString();
            if (text.Length == 0) continue;
            if (text.Length > maxLength)
                return CleanResult.Fail($"The tag {Show(text)} has {text.Length} characters; at most {maxLength} are allowed.", rules);
            if (seen.Add(text)) tags.Add(text);
            else rules |= CleaningRule.DuplicateTagsRemoved;
        }
        return tags.Count == 0 ? CleanResult.Missing(rules) : new(tags.ToArray(), null, rules);
    }

    // ---- shared steps ----

    private static ReadOnlySpan<char> Start(string? raw, ref CleaningRule rules)
    {
        if (raw is null) return default;
        if (!HasExportQuote(raw)) return raw;
        rules |= CleaningRule.ExportQuoteRemoved;
        return raw.AsSpan(1);
    }

    /// <summary>
    /// The cell of a typed column ready to parse: export quote removed, trimmed, full-width forms folded. False when
    /// nothing is left or it is a placeholder such as N/A (then the cell is missing).
    /// </summary>
    private static bool Typed(string? raw, ref CleaningRule rules, out ReadOnlySpan<char> value)
    {
        var s = Start(raw, ref rules);
        value = s.Trim();
        if (value.Length != s.Length) rules |= CleaningRule.Trimmed;
        if (value.IsEmpty) return false;
        value = FoldFullWidth(value, ref rules);
        if (!IsPlaceholder(value)) return true;
        rules |= CleaningRule.PlaceholderAsMissing;
        return false;
    }

    private static bool IsPlaceholder(ReadOnlySpan<char> s)
    {
        if (s.Length > 4) return false;
        foreach (var p in s_placeholders)
            if (s.Equals(p, StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }

    /// <summary>Full-width ASCII (Ａ１２＠) and the ideographic space become ASCII: Chinese input methods type them.</summary>
    private static ReadOnlySpan<char> FoldFullWidth(ReadOnlySpan<char> s, ref CleaningRule rules)
    {
        if (!s.ContainsAnyInRange('\uFF01', '\uFF5E') && !s.ContainsAny('\u3000', '\uFFE5')) return s;
        var folded = new char[s.Length];
        var changed = false;
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            folded[i] = c switch
            {
                >= '\uFF01' and <= '\uFF5E' => (char)(c - 0xFEE0),
                '\u3000' => ' ',
                '\uFFE5' => '¥',
                _ => c,
            };
            changed |= folded[i] != c;
        }
        if (!changed) return s;
        rules |= CleaningRule.FullWidthConverted;
        return folded.AsSpan().Trim();
    }

    /// <summary>The span as a string, without copying when it is the whole of <paramref name="raw"/>.</summary>
    private static string AsString(string raw, ReadOnlySpan<char> span) =>
        span.Length == raw.Length && span.Overlaps(raw) ? raw : span.ToString();

    /// <summary>A value quoted for a message: short, on one line.</summary>
    internal static string Show(ReadOnlySpan<char> value)
    {
        const int max = 40;
        var text = value.Length > max ? string.Concat(value[..max], "…") : value.ToString();
        return "'" + text.ReplaceLineEndings(" ").Replace('\t', ' ') + "'";
    }
}
