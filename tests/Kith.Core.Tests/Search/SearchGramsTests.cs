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
}
