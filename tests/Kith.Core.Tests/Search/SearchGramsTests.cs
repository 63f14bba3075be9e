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
}
