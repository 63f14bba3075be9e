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
    public static string Tokens(string searchText)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var sb = new StringBuilder();
        foreach (var field in searchText.Split(FieldSeparator))
        {
            for (var i = 0; i < field.Length; i++)
            {
                if (field[i] > 127) Add(Unigram(field[i]));
                if (i + 1 < field.Length) Add(Bigram(field[i], field[i + 1]));
                if (IsDigitTriple(field, i)) Add(DigitTrigram(field, i));
                if (IsWordJoin(field, i)) Add(WordJoin(field[i - 1], field[i + 1]));
            }
        }
        return sb.ToString();

        void Add(string token)
        {
            if (!seen.Add(token)) return;
            if (sb.Length > 0) sb.Append(' ');
            sb.Append(token);
        }
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
    /// A space between two words. The grams either side of it ("a ", " m") are in most Latin names, so a query that
    /// runs into a second word ("patricia m", "wang l") would have nothing more selective than the first word's grams
    /// (27,000 candidates for 1,700 matches among a million customers). The last character of one word and the first
    /// of the next are also indexed as one token ("w" and both characters): about one Latin name in sixty holds a given one.
    /// </summary>
    private static bool IsWordJoin(string s, int i) => s[i] == ' ' && i > 0 && i + 1 < s.Length && s[i - 1] != ' ' && s[i + 1] != ' ';

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
        var sb = new StringBuilder(value.Length);
        var space = false;
        foreach (var ch in value.Trim().Normalize(NormalizationForm.FormKC))
        {
            if (char.IsWhiteSpace(ch) || char.IsControl(ch)) { space = true; continue; }
            if (space && sb.Length > 0) sb.Append(' ');
            space = false;
            sb.Append(char.ToLower(ch, CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    /// <summary>Digits of a phone number, so "138 0013 8000" and "+86 13800138000" both find it.</summary>
    public static string? PhoneDigits(string? phone) =>
        phone is null ? null : new string(phone.Where(char.IsAsciiDigit).ToArray());

    private static string Unigram(char c) => "u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture);

    private static string Bigram(char a, char b) =>
        "b" + ((int)a).ToString("x4", CultureInfo.InvariantCulture) + ((int)b).ToString("x4", CultureInfo.InvariantCulture);
}
