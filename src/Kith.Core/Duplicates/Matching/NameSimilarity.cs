using System.Globalization;
using System.Text;

namespace Kith.Core.Duplicates.Matching;

/// <summary>
/// How alike two personal names are, 0..1, for names in Latin script and in Chinese (also Japanese and Korean)
/// characters. 1 means the same name once normalised; <see cref="SimilarThreshold"/> and above means "could be a typo
/// of it"; below means another name. The two scripts are compared differently because their typos differ:
/// <list type="bullet">
/// <item>Latin names are compared part by part (first name with first name, ...). A part may differ by one
/// transposed, missing or extra letter; a changed letter only in parts of five letters or more, so that Mary/Mark or
/// Wei/Mei, which are other people (often of the same family, sharing a phone), stay apart. Parts in another order,
/// parts run together ("Mary Ann"/"Maryann"), an initial for a part ("J Smith"), and one extra part such as a middle
/// name score high too.</item>
/// <item>Chinese names are two to four characters with the surname first, and a handful of surnames and given-name
/// characters cover most people, so every character counts: a character dropped or repeated (the usual slips of an
/// input method) is similar; a different surname, or a different given-name character (siblings often share all but
/// the last one), is another person. Longer names, usually transliterated foreign ones, allow one edit anywhere.</item>
/// </list>
/// A Latin name and a Chinese one are never similar: telling whether "Wang Wei" is 王伟 needs a pinyin table that
/// Kith does not carry, and traditional and simplified characters (陳/陈) count as different characters.
/// </summary>
public static class NameSimilarity
{
    /// <summary>The score from which two names count as similar (and a fuzzy rule may fire).</summary>
    public const double SimilarThreshold = 0.8;

    /// <summary>Names are compared on their first 200 characters.</summary>
    public const int MaxLength = 200;

    /// <summary>
    /// Lower case, accents removed (José = jose), full-width letters made plain, punctuation and runs of white space
    /// turned into one space, apostrophes dropped (O'Brien = obrien), and no spaces at all in a Chinese name
    /// ("王 伟" = "王伟"). Returns "" for a blank name.
    /// </summary>
    public static string Normalise(string? name)
    {
        if (string.IsNullOrWhiteSpace(name)) return "";
        // Edit distances cost length squared; no person's name is longer, and pasted garbage must not stall a scan.
        if (name.Length > MaxLength) name = name[..(char.IsHighSurrogate(name[MaxLength - 1]) ? MaxLength - 1 : MaxLength)];
        if (IsPlain(name)) return name;
        // ASCII has nothing to compose or decompose; skipping the Unicode tables makes the common case cheap.
        var source = Ascii.IsValid(name) ? name : Normalized(Normalized(name, NormalizationForm.FormKC), NormalizationForm.FormD);
        var cjk = HasCjk(source);
        Span<char> buffer = source.Length <= 256 ? stackalloc char[source.Length * 2] : new char[source.Length * 2];
        var length = 0;
        var gap = false;
        foreach (var c in source)
        {
            if (c < 0x80 ? !char.IsAsciiLetterOrDigit(c) : !IsLetterOrDigit(c))
            {
                // Apostrophes join (O'Brien = OBrien); everything else between letters separates, except in Chinese names.
                if (c is not ('\'' or '\u2019' or '\u2018' or '\u02BC' or '`') && CharUnicodeInfo.GetUnicodeCategory(c) is not
                    (UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark)) gap = !cjk;
                continue;
            }
            if (gap && length > 0) buffer[length++] = ' ';
            gap = false;
            length += Fold(c, buffer[length..]);
        }
        var result = new string(buffer[..length]);
        // Decomposition splits Hangul syllables into letters; put them back so a syllable is one character.
        return cjk ? Normalized(result, NormalizationForm.FormC) : result;
    }

    private static bool IsLetterOrDigit(char c) => char.IsLetterOrDigit(c) || char.IsSurrogate(c);

    /// <summary>Similarity of two names as typed (each is normalised first).</summary>
    public static double Score(string? a, string? b) => ScoreNormalised(Normalise(a), Normalise(b));

    /// <summary>Similarity of two names already passed through <see cref="Normalise"/>.</summary>
    internal static double ScoreNormalised(string a, string b)
    {
        if (a.Length == 0 || b.Length == 0) return 0;
        if (a == b) return 1;
        var cjk = HasCjk(a);
        if (cjk != HasCjk(b)) return 0;
        return cjk ? ChineseScore(a, b) : LatinScore(a, b);
    }

    internal static bool HasCjk(string s)
    {
        foreach (var c in s)
        {
            if (c is >= '\u1100' and <= '\u11FF' or >= '\u2E80' and <= '\u9FFF' or >= '\uAC00' and <= '\uD7AF' or >= '\uF900' and <= '\uFAFF'
                or >= '\uD840' and <= '\uD87F') return true;
        }
        return false;
    }

    private static double ChineseScore(string a, string b)
    {
        var x = Runes(a);
        var y = Runes(b);
        if (Collapse(x).AsSpan().SequenceEqual(Collapse(y))) return 0.9;
        var longest = Math.Max(x.Length, y.Length);
        var shortest = Math.Min(x.Length, y.Length);
        var (distance, edit) = Compare<int>(x, y);
        var plain = 1.0 - (double)distance / longest;
        if (x[0] != y[0]) return 0.3 * plain;
        if (longest >= 5) return plain;
        if (distance != 1) return Math.Min(0.5, plain);
        return edit switch
        {
            Edit.InsertOrDelete => shortest >= 2 ? 0.85 : 0.5,
            Edit.Transpose => 0.8,
            _ => shortest >= 3 ? 0.6 : 0.5,
        };
    }

    private static double LatinScore(string a, string b)
    {
        if (EqualWithoutSpaces(a, b)) return 0.95;
        var ta = a.Split(' ');
        var tb = b.Split(' ');
        var best = 0.0;
        if (ta.Length == tb.Length)
        {
            best = Align(ta, tb);
            // Sorted parts pair up differently only when a name's parts are out of order; at best they score 0.95.
            if (ta.Length > 1 && best < 0.95 && !(IsOrdered(ta) && IsOrdered(tb)))
            {
                string[] sa = [.. ta.Order(StringComparer.Ordinal)], sb = [.. tb.Order(StringComparer.Ordinal)];
                best = Math.Max(best, 0.95 * Align(sa, sb));
            }
        }
        else if (Math.Abs(ta.Length - tb.Length) == 1 && Math.Min(ta.Length, tb.Length) >= 2)
        {
            // One extra part (a middle name, a second surname) on one side: try leaving out each part in turn.
            var (longer, shorter) = ta.Length > tb.Length ? (ta, tb) : (tb, ta);
            for (var skip = 0; skip < longer.Length; skip++)
                best = Math.Max(best, 0.9 * Align([.. longer.Where((_, i) => i != skip)], shorter));
        }
        else
        {
            var (distance, _) = Compare<char>(a, b);
            best = Math.Min(0.7, 1.0 - (double)distance / Math.Max(a.Length, b.Length));
        }
        return best;
    }

    private static bool EqualWithoutSpaces(string a, string b)
    {
        int i = 0, j = 0;
        while (true)
        {
            while (i < a.Length && a[i] == ' ') i++;
            while (j < b.Length && b[j] == ' ') j++;
            if (i == a.Length || j == b.Length) return i == a.Length && j == b.Length;
            if (a[i++] != b[j++]) return false;
        }
    }

    private static bool IsOrdered(string[] parts)
    {
        for (var i = 1; i < parts.Length; i++)
        {
            if (string.CompareOrdinal(parts[i - 1], parts[i]) > 0) return false;
        }
        return true;
    }

    private static double Align(string[] x, string[] y)
    {
        int cost = 0, length = 0;
        var allClose = true;
        for (var i = 0; i < x.Length; i++)
        {
            var (close, c) = CompareParts(x[i], y[i]);
            allClose &= close;
            cost += c;
            length += Math.Max(x[i].Length, y[i].Length);
        }
        var plain = 1.0 - (double)cost / length;
        return allClose ? Math.Max(SimilarThreshold, plain) : Math.Min(0.7, plain);
    }

    private static (bool Close, int Cost) CompareParts(string x, string y)
    {
        if (x == y) return (true, 0);
        if (x.Length == 1 || y.Length == 1) return (x[0] == y[0], 1);
        var (distance, edit) = Compare<char>(x, y);
        var shortest = Math.Min(x.Length, y.Length);
        var close = distance switch
        {
            1 => edit != Edit.Substitute || shortest >= 5,
            2 => shortest >= 8,
            _ => false,
        };
        return (close, distance);
    }

    private enum Edit { None, InsertOrDelete, Substitute, Transpose, Several }

    /// <summary>Optimal string alignment distance (an adjacent transposition is one edit) and, when it is 1, which edit.</summary>
    private static (int Distance, Edit Edit) Compare<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b) where T : IEquatable<T>
    {
        if (a.SequenceEqual(b)) return (0, Edit.None);
        int n = a.Length, m = b.Length;
        if (n == 0 || m == 0) return (Math.Max(n, m), Math.Max(n, m) == 1 ? Edit.InsertOrDelete : Edit.Several);
        Span<int> rows = (m + 1) * 3 <= 512 ? stackalloc int[(m + 1) * 3] : new int[(m + 1) * 3];
        var before = rows[..(m + 1)];
        var previous = rows.Slice(m + 1, m + 1);
        var current = rows.Slice(2 * (m + 1), m + 1);
        for (var j = 0; j <= m; j++) previous[j] = j;
        for (var i = 1; i <= n; i++)
        {
            current[0] = i;
            for (var j = 1; j <= m; j++)
            {
                var cost = a[i - 1].Equals(b[j - 1]) ? 0 : 1;
                var d = Math.Min(Math.Min(previous[j] + 1, current[j - 1] + 1), previous[j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1].Equals(b[j - 2]) && a[i - 2].Equals(b[j - 1])) d = Math.Min(d, before[j - 2] + 1);
                current[j] = d;
            }
            var t = before;
            before = previous;
            previous = current;
            current = t;
        }
        var distance = previous[m];
        if (distance != 1) return (distance, Edit.Several);
        if (n != m) return (1, Edit.InsertOrDelete);
        var firstMismatch = 0;
        while (a[firstMismatch].Equals(b[firstMismatch])) firstMismatch++;
        var transposed = firstMismatch + 1 < n && a[firstMismatch].Equals(b[firstMismatch + 1]) && a[firstMismatch + 1].Equals(b[firstMismatch]);
        return (1, transposed ? Edit.Transpose : Edit.Substitute);
    }

    private static int[] Runes(string s)
    {
        var list = new List<int>(s.Length);
        foreach (var r in s.EnumerateRunes()) list.Add(r.Value);
        return [.. list];
    }

    private static int[] Collapse(int[] x)
    {
        var list = new List<int>(x.Length);
        foreach (var r in x)
        {
            if (list.Count == 0 || list[^1] != r) list.Add(r);
        }
        return [.. list];
    }

    /// <summary>The text in a Unicode normal form, or as it is when it holds a lone surrogate (which has no normal form).</summary>
    private static string Normalized(string s, NormalizationForm form)
    {
        try
        {
            return s.IsNormalized(form) ? s : s.Normalize(form);
        }
        catch (ArgumentException)
        {
            return s;
        }
    }

    /// <summary>Lower-case ASCII letters and digits with single inner spaces: already normalised, kept as is.</summary>
    private static bool IsPlain(string s)
    {
        if (s[0] == ' ' || s[^1] == ' ') return false;
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (c is >= 'a' and <= 'z' or >= '0' and <= '9') continue;
            if (c == ' ' && s[i - 1] != ' ') continue;
            return false;
        }
        return true;
    }

    /// <summary>Writes the lower-case, accent-free form of a letter (one or two characters) and returns how many.</summary>
    private static int Fold(char c, Span<char> to)
    {
        var lower = char.ToLowerInvariant(c);
        (char First, char Second) folded = lower switch
        {
            'ß' => ('s', 's'),
            'æ' => ('a', 'e'),
            'œ' => ('o', 'e'),
            'þ' => ('t', 'h'),
            'ø' => ('o', '\0'),
            'ł' => ('l', '\0'),
            'đ' or 'ð' => ('d', '\0'),
            'ı' => ('i', '\0'),
            _ => (lower, '\0'),
        };
        to[0] = folded.First;
        if (folded.Second == '\0') return 1;
        to[1] = folded.Second;
        return 2;
    }
}
