using System.Globalization;
using System.Text;
using Kith.Core.Infrastructure;

namespace Kith.Core.Behavior;

/// <summary>
/// An event's type is stored as a key that every place naming types can name (ADR-0053): lower case, Unicode letters,
/// digits and marks, with <c>_ . -</c>; at most <see cref="MaxLength"/> characters. Every ingestion path (the events API,
/// the tracking snippet, `kith import events`) stores <see cref="Normalize"/>'s key, so "Add to cart" is stored and named as
/// add_to_cart, and 加购 as 加购. Readers (filters, analyses, the rule builder) take a key as it is and refuse anything else.
/// </summary>
public static class EventTypes
{
    public const int MaxLength = 100;

    /// <summary>
    /// The key of a type as sent: trimmed, lower-cased, each run of other characters (spaces, punctuation, symbols)
    /// turned into one <c>_</c>, none at either end. Null when nothing is left (no letter or digit), or when longer than
    /// <see cref="MaxLength"/>. A key is its own key, so types that were keys before (page_view, signup.completed) stay.
    /// </summary>
    public static string? Normalize(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var s = text.Trim();
        if (IsKey(s)) return s;
        s = s.Normalize(NormalizationForm.FormC).ToLowerInvariant();
        var sb = new StringBuilder(s.Length);
        var gap = false;
        foreach (var rune in s.EnumerateRunes())
        {
            if (IsKeyRune(rune))
            {
                if (gap && sb.Length > 0) sb.Append('_');
                gap = false;
                sb.Append(rune.ToString());
            }
            else gap = true;
        }
        return sb.Length is > 0 and <= MaxLength && sb.ToString() is var key && key.Trim('_', '.', '-').Length > 0 ? key : null;
    }

    /// <summary>Whether a text is already a key, as stored.</summary>
    public static bool IsKey(string text)
    {
        if (text.Length is 0 or > MaxLength) return false;
        var meaningful = false;
        // Most types are ASCII keys (access, purchase): told apart without decoding a rune.
        var ascii = true;
        foreach (var c in text)
        {
            if (c is (>= 'a' and <= 'z') or (>= '0' and <= '9')) meaningful = true;
            else if (c is not ('_' or '.' or '-'))
            {
                ascii = false;
                break;
            }
        }
        if (ascii) return meaningful;
        foreach (var rune in text.EnumerateRunes())
        {
            if (!IsKeyRune(rune) || Rune.ToLowerInvariant(rune) != rune) return false;
            meaningful |= rune.Value is not ('_' or '.' or '-');
        }
        return meaningful && text.IsNormalized(NormalizationForm.FormC);
    }

    /// <summary>
    /// A type named by a reader (an analysis's parameter, a filter): lower-cased and trimmed, it must be a key, else a 400
    /// naming <paramref name="field"/> that suggests the key the text would be stored as. Null or blank gives null (any type).
    /// </summary>
    public static string? Parse(string? text, string field)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var lower = text.Trim().ToLowerInvariant();
        if (IsKey(lower)) return lower;
        throw RuleViolation.Field(field, Explain(text));
    }

    /// <summary>Why a text is not a type key, with the key it would be stored as when there is one.</summary>
    public static string Explain(string text)
    {
        var key = Normalize(text);
        var shown = text.Length > 40 ? text[..40] + "…" : text;
        return key is null
            ? $"'{shown}' is not an event type: a type is 1 to {MaxLength} letters, digits, _ . or - (such as page_view or 加购)."
            : $"'{shown}' is not an event type key: types are stored with _ for spaces and other signs, so write '{key}'.";
    }

    /// <summary>Letters, digits and combining marks of any script, and _ . -.</summary>
    private static bool IsKeyRune(Rune r) => r.Value is '_' or '.' or '-' || Rune.GetUnicodeCategory(r) switch
    {
        UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter or UnicodeCategory.ModifierLetter
            or UnicodeCategory.OtherLetter or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber
            or UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark => true,
        _ => false,
    };
}
