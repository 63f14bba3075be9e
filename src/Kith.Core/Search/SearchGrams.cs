using System.Buffers;
using System.Globalization;
using System.Text;

namespace Kith.Core.Search;

/// <summary>
/// Substring search that works the same for Chinese and Latin text on SQLite and PostgreSQL.
/// A record's searchable values are lower-cased and cut into overlapping two-character grams (plus single
/// characters for non-ASCII text, where one character is a meaningful query such as a surname; runs of three
/// digits; and the two characters either side of a space between words). Each gram is written as a hex token so
/// that any tokenizer keeps it whole. A query is cut the same way; records holding all its grams are candidates,
/// and a LIKE on the search text confirms the substring.
/// </summary>
public static class SearchGrams
{
    /// <summary>
    /// What the stored grams are made of. Raised whenever <see cref="Tokens"/> changes, so that a database indexed by
    /// an older Kith is indexed again on start (<see cref="RebuildSearchIndex"/>); a query cut by the new rules would
    /// otherwise ask for grams the old index never held. 1: bigrams, non-ASCII unigrams, digit trigrams.
    /// 2: word joins (<see cref="WordJoin"/>).
    /// </summary>
    public const int IndexVersion = 2;

    /// <summary>Separates values in the search text so that no match spans two fields.</summary>
    public const char FieldSeparator = '\n';

    public static string Text(params string?[] values)
    {
        var sb = new StringBuilder();
        foreach (var v in values)
        {
            var n = Normalize(v);
            if (n.Length == 0) continue;
            if (sb.Length > 0) sb.Append(FieldSeparator);
            sb.Append(n);
        }
        return sb.ToString();
    }

    /// <summary>Grams of a search text made by <see cref="Text"/>, space separated, each once.</summary>
    /// <remarks>
    /// Written straight into one buffer, each gram recognised again by a number in a small open-addressing set: an
    /// import computes this for every row, and a string and a set entry per gram were most of what it allocated (ADR-0028).
    /// </remarks>
    public static string Tokens(string searchText)
    {
        var n = searchText.Length;
        if (n == 0) return "";
        // At most a unigram (5 characters), a bigram (9), a trigram (4) and a word join (9) per character, each after a space.
        var width = n * 31;
        var slots = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)(n * 8));
        // Pooled rather than on the stack, where .NET would zero them first.
        var rentedText = ArrayPool<char>.Shared.Rent(width);
        var rentedSet = ArrayPool<ulong>.Shared.Rent(slots);
        Span<char> buffer = rentedText;
        var set = rentedSet.AsSpan(0, slots);
        set.Clear();
        try
        {
            var length = 0;
            var s = searchText.AsSpan();
            for (var i = 0; i < n; i++)
            {
                var c = s[i];
                if (c == FieldSeparator) continue;
                if (c > 127 && Seen(set, UnigramTag | c)) Append(buffer, ref length, 'u', c, null);
                if (i + 1 < n && s[i + 1] != FieldSeparator && Seen(set, BigramTag | ((ulong)c << 16) | s[i + 1]))
                    Append(buffer, ref length, 'b', c, s[i + 1]);
                if (IsDigitTriple(searchText, i) && Seen(set, TrigramTag | ((ulong)c << 32) | ((ulong)s[i + 1] << 16) | s[i + 2]))
                {
                    if (length > 0) buffer[length++] = ' ';
                    buffer[length++] = 't';
                    s.Slice(i, 3).CopyTo(buffer[length..]);
                    length += 3;
                }
                if (IsWordJoin(searchText, i) && Seen(set, WordJoinTag | ((ulong)s[i - 1] << 16) | s[i + 1]))
                    Append(buffer, ref length, 'w', s[i - 1], s[i + 1]);
            }
            return new string(buffer[..length]);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(rentedText);
            ArrayPool<ulong>.Shared.Return(rentedSet);
        }
    }

    private const ulong UnigramTag = 1UL << 48, BigramTag = 2UL << 48, TrigramTag = 3UL << 48, WordJoinTag = 4UL << 48;

    /// <summary>Adds <paramref name="key"/> (never 0) to the set; true when it was not there yet.</summary>
    private static bool Seen(Span<ulong> set, ulong key)
    {
        var mask = set.Length - 1;
        var i = (int)((key * 0x9E3779B97F4A7C15UL) >> 40) & mask;
        while (set[i] != 0)
        {
            if (set[i] == key) return false;
            i = (i + 1) & mask;
        }
        set[i] = key;
        return true;
    }

    /// <summary>Writes a unigram ("u" and four hex digits), a bigram ("b" and eight) or a word join ("w" and eight), after a space unless first.</summary>
    private static void Append(Span<char> buffer, ref int length, char kind, char a, char? b)
    {
        if (length > 0) buffer[length++] = ' ';
        buffer[length++] = kind;
        Hex4(buffer, ref length, a);
        if (b is { } second) Hex4(buffer, ref length, second);
    }

    private static void Hex4(Span<char> buffer, ref int length, char c)
    {
        const string digits = "0123456789abcdef";
        buffer[length++] = digits[(c >> 12) & 0xF];
        buffer[length++] = digits[(c >> 8) & 0xF];
        buffer[length++] = digits[(c >> 4) & 0xF];
        buffer[length++] = digits[c & 0xF];
    }

    /// <summary>
    /// The grams every match must hold, or an empty list when the query is one ASCII character (too common
    /// to index; such a query is answered by scanning, which stops early because nearly every record matches).
    /// </summary>
    public static IReadOnlyList<string> QueryTokens(string normalizedQuery)
    {
        if (normalizedQuery.Length == 1)
            return normalizedQuery[0] > 127 ? [Unigram(normalizedQuery[0])] : [];
        var list = new List<string>();
        var q = normalizedQuery;
        for (var i = 0; i + 1 < q.Length; i++)
        {
            // A pair of digits inside a run of three or more is covered by the run's trigrams, which are far rarer.
            var inDigitRun = IsDigitTriple(q, i) || (i > 0 && IsDigitTriple(q, i - 1));
            var t = inDigitRun ? null : Bigram(q[i], q[i + 1]);
            if (t is not null && !list.Contains(t)) list.Add(t);
            if (IsDigitTriple(q, i) && !list.Contains(t = DigitTrigram(q, i))) list.Add(t);
            if (IsWordJoin(q, i) && !list.Contains(t = WordJoin(q[i - 1], q[i + 1]))) list.Add(t);
        }
        return list;
    }

    /// <summary>
    /// A space between two words of one field. The grams either side of it ("a ", " m") are in most Latin names, so a
    /// query that runs into a second word ("patricia m", "wang l") would have nothing more selective than the first
    /// word's grams (27,000 candidates for 1,700 matches among a million customers). The last character of one word
    /// and the first of the next are also indexed as one token ("w" and both characters): about one Latin name in
    /// sixty holds a given one.
    /// </summary>
    private static bool IsWordJoin(string s, int i) =>
        s[i] == ' ' && i > 0 && i + 1 < s.Length && s[i - 1] is not (' ' or FieldSeparator) && s[i + 1] is not (' ' or FieldSeparator);

    private static string WordJoin(char before, char after) =>
        "w" + ((int)before).ToString("x4", CultureInfo.InvariantCulture) + ((int)after).ToString("x4", CultureInfo.InvariantCulture);

    /// <summary>
    /// Phone numbers are digits, and there are only 100 digit pairs: every phone holds a tenth of them, so pairs
    /// barely narrow a digit search. Three digits in a row are also indexed as one token ("t" and the digits).
    /// </summary>
    private static bool IsDigitTriple(string s, int i) =>
        i + 2 < s.Length && char.IsAsciiDigit(s[i]) && char.IsAsciiDigit(s[i + 1]) && char.IsAsciiDigit(s[i + 2]);

    private static string DigitTrigram(string s, int i) => string.Concat("t", s.AsSpan(i, 3));

    /// <summary>
    /// Lower-cases, trims and collapses whitespace. A query that looks like a phone number (digits with spaces,
    /// dashes, dots, brackets or a plus) keeps only its digits, as phones are indexed by their digits.
    /// </summary>
    public static string NormalizeQuery(string? query)
    {
        var n = Normalize(query);
        if (n.Length >= 3 && n.Any(char.IsAsciiDigit) && n.All(c => char.IsAsciiDigit(c) || c is ' ' or '-' or '.' or '(' or ')' or '+'))
            return new string(n.Where(char.IsAsciiDigit).ToArray());
        return n;
    }

    public static string Normalize(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return "";
        var trimmed = value.AsSpan().Trim();
        // Printable ASCII and the common CJK ideographs are their own NFKC form, and that is nearly every name, email
        // and phone: they skip the (ICU) normalisation.
        var text = IsOwnNfkc(trimmed) ? trimmed : value.Trim().Normalize(NormalizationForm.FormKC).AsSpan();
        char[]? rented = null;
        var buffer = text.Length <= 256 ? stackalloc char[text.Length] : (rented = ArrayPool<char>.Shared.Rent(text.Length));
        try
        {
            var length = 0;
            var space = false;
            foreach (var ch in text)
            {
                if (char.IsWhiteSpace(ch) || char.IsControl(ch)) { space = true; continue; }
                if (space && length > 0) buffer[length++] = ' ';
                space = false;
                buffer[length++] = char.ToLower(ch, CultureInfo.InvariantCulture);
            }
            var result = buffer[..length];
            return result.SequenceEqual(value) ? value : new string(result);
        }
        finally
        {
            if (rented is not null) ArrayPool<char>.Shared.Return(rented);
        }
    }

    private static bool IsOwnNfkc(ReadOnlySpan<char> s)
    {
        foreach (var c in s)
            if (c is not ((>= ' ' and <= '~') or (>= '\u4E00' and <= '\u9FFF'))) return false;
        return true;
    }

    /// <summary>Digits of a phone number, so "138 0013 8000" and "+86 13800138000" both find it.</summary>
    public static string? PhoneDigits(string? phone)
    {
        if (phone is null) return null;
        var digits = 0;
        foreach (var c in phone)
            if (char.IsAsciiDigit(c)) digits++;
        if (digits == phone.Length) return phone;
        return string.Create(digits, phone, static (span, p) =>
        {
            var i = 0;
            foreach (var c in p)
                if (char.IsAsciiDigit(c)) span[i++] = c;
        });
    }

    private static string Unigram(char c) => "u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture);

    private static string Bigram(char a, char b) =>
        "b" + ((int)a).ToString("x4", CultureInfo.InvariantCulture) + ((int)b).ToString("x4", CultureInfo.InvariantCulture);
}
