using System.Globalization;
using System.Text;
using Kith.Core.Search;

namespace Kith.Core.Tests.Search;

public sealed class SearchGramsTests
{
    [Fact]
    public void EveryQueryGramOfASubstringIsAmongTheRecordGrams()
    {
        var text = SearchGrams.Text("王小明", "Wang.XiaoMing@Example.com", "8613800138000");
        var tokens = SearchGrams.Tokens(text).Split(' ').ToHashSet();
        foreach (var q in new[] { "王", "小明", "xiaoming@", "13800", "example.com" })
            Assert.All(SearchGrams.QueryTokens(SearchGrams.NormalizeQuery(q)), t => Assert.Contains(t, tokens));
    }

    [Fact]
    public void AQueryThatLooksLikeAPhoneNumberKeepsOnlyItsDigits() =>
        Assert.Equal("8613800", SearchGrams.NormalizeQuery(" +86 138-00 "));

    [Fact]
    public void ASingleAsciiCharacterHasNoGramsAndIsAnsweredByScanning() =>
        Assert.Empty(SearchGrams.QueryTokens("a"));

    [Fact]
    public void TheLettersEitherSideOfASpaceAreOneTokenSoAQueryRunningIntoASecondWordHasARareGram()
    {
        var record = SearchGrams.Tokens(SearchGrams.Text("Patricia Miller", "patricia.miller@example.com", null, "Acme Trading")).Split(' ');
        Assert.Contains("w0061006d", record);   // "a m"
        Assert.Contains("w00650074", record);   // "e t" of the company
        var query = SearchGrams.QueryTokens(SearchGrams.NormalizeQuery("Patricia  M"));
        Assert.Contains("w0061006d", query);
        Assert.All(query, t => Assert.Contains(t, record));
        // Kept among the few grams the index is asked for, whatever the letters.
        Assert.Contains("w0061006d", Kith.Core.Listing.ListEngine.Selective(query));
        Assert.Contains("w00650074", Kith.Core.Listing.ListEngine.Selective(SearchGrams.QueryTokens("zeke trazq")));
    }

    [Fact]
    public void NoWordJoinSpansTwoFieldsOrStandsForASpaceAtAnEdge()
    {
        var tokens = SearchGrams.Tokens(SearchGrams.Text("王 小明", "anna", "bob")).Split(' ');
        Assert.Contains("w738b5c0f", tokens);   // "王 小"
        Assert.DoesNotContain(tokens, t => t.StartsWith('w') && t != "w738b5c0f");
        Assert.DoesNotContain(SearchGrams.QueryTokens("a "), t => t.StartsWith('w'));
        Assert.DoesNotContain(SearchGrams.QueryTokens(" b"), t => t.StartsWith('w'));
    }

    /// <summary>
    /// The grams and the normalised text are stored in every record and the search index is built from them: the
    /// allocation-free versions must write exactly what the plain definition writes, in the same order.
    /// </summary>
    [Fact]
    public void TokensAndNormalizedTextAreThoseOfThePlainDefinition()
    {
        var random = new Random(7);
        const string alphabet = "aZ09 .@+-\t\n\u00e9\u00c5\u738b\u5c0f\u660e\uff21\uff11\u3000\u2167\uf900\u00a0\u0301x";
        var samples = new List<string> { "", " ", "王小明", "Wang.XiaoMing@Example.com", "8613800138000", "ａｂｃ　１２３", "Ⅷ  Ünïcödé\tname", new string('9', 900) };
        for (var i = 0; i < 2000; i++)
            samples.Add(new string(Enumerable.Range(0, random.Next(0, 60)).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray()));
        foreach (var s in samples)
        {
            Assert.Equal(PlainNormalize(s), SearchGrams.Normalize(s));
            var text = SearchGrams.Text(s, s.ToUpperInvariant(), SearchGrams.PhoneDigits(s));
            Assert.Equal(PlainTokens(text), SearchGrams.Tokens(text));
            Assert.Equal(PlainTokens(s), SearchGrams.Tokens(s));
        }
    }

    private static string PlainNormalize(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return "";
        var sb = new StringBuilder();
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

    private static string PlainTokens(string searchText)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var list = new List<string>();
        foreach (var field in searchText.Split(SearchGrams.FieldSeparator))
            for (var i = 0; i < field.Length; i++)
            {
                if (field[i] > 127) Add("u" + ((int)field[i]).ToString("x4", CultureInfo.InvariantCulture));
                if (i + 1 < field.Length)
                    Add("b" + ((int)field[i]).ToString("x4", CultureInfo.InvariantCulture) + ((int)field[i + 1]).ToString("x4", CultureInfo.InvariantCulture));
                if (i + 2 < field.Length && char.IsAsciiDigit(field[i]) && char.IsAsciiDigit(field[i + 1]) && char.IsAsciiDigit(field[i + 2]))
                    Add("t" + field.Substring(i, 3));
                if (field[i] == ' ' && i > 0 && i + 1 < field.Length && field[i - 1] != ' ' && field[i + 1] != ' ')
                    Add("w" + ((int)field[i - 1]).ToString("x4", CultureInfo.InvariantCulture) + ((int)field[i + 1]).ToString("x4", CultureInfo.InvariantCulture));
            }
        return string.Join(' ', list);

        void Add(string token)
        {
            if (seen.Add(token)) list.Add(token);
        }
    }
}
