using Kith.Core.Duplicates.Matching;

namespace Kith.Core.Tests.Duplicates.Matching;

public sealed class NameSimilarityTests
{
    private const double Similar = NameSimilarity.SimilarThreshold;

    [Theory]
    [InlineData("James Smith", "Jmaes Smith")]
    [InlineData("Linda Smith", "Linda Simth")]
    [InlineData("Ana Kim", "Ana iKm")]
    [InlineData("Ana Kim", "Ana Kime")]
    [InlineData("Jennifer Garcia", "Jennifer Gracia")]
    [InlineData("Jennifer Lopez", "Jenifer Lopez")]
    [InlineData("Christopher Johnson", "Christopher Jonhson")]
    public void LatinNamesWithATransposedMissingOrExtraLetterAreSimilar(string a, string b)
    {
        var score = NameSimilarity.Score(a, b);
        Assert.InRange(score, Similar, 0.99);
    }

    [Theory]
    [InlineData("  José   GARCÍA ", "jose garcia")]
    [InlineData("Zoë O'Brien-Smith", "zoe obrien smith")]
    [InlineData("ＪＯＨＮ　ＳＭＩＴＨ", "john smith")]
    [InlineData("Jürgen Groß", "jurgen gross")]
    [InlineData("王 伟", "王伟")]
    [InlineData("  ", "")]
    public void NormaliseIgnoresCaseAccentsWidthPunctuationAndSpacing(string name, string expected) =>
        Assert.Equal(expected, NameSimilarity.Normalise(name));

    [Fact]
    public void NamesThatNormaliseAlikeScoreOne()
    {
        Assert.Equal(1.0, NameSimilarity.Score("José García", "JOSE  GARCIA"));
        Assert.Equal(1.0, NameSimilarity.Score("王 伟", "王伟"));
    }

    [Theory]
    [InlineData("Smith John", "John Smith")]
    [InlineData("Mary Ann Lee", "Maryann Lee")]
    [InlineData("John Michael Smith", "John Smith")]
    [InlineData("J. Smith", "John Smith")]
    public void ReorderedJoinedExtraOrInitialledPartsAreSimilar(string a, string b) =>
        Assert.InRange(NameSimilarity.Score(a, b), Similar, 0.99);

    [Theory]
    [InlineData("Mary Chen", "Mark Chen")]
    [InlineData("Wei Chen", "Mei Chen")]
    [InlineData("John Smith", "Jane Smith")]
    [InlineData("Linda Smith", "Linda Jones")]
    [InlineData("Wei Chen", "Chen")]
    public void OtherPeopleOfOneFamilyOrWithOtherNamesAreNotSimilar(string a, string b) =>
        Assert.True(NameSimilarity.Score(a, b) < Similar, $"{a} / {b}: {NameSimilarity.Score(a, b)}");

    [Theory]
    [InlineData("王伟明", "王伟")]
    [InlineData("王伟", "王伟伟")]
    [InlineData("欧阳娜娜", "欧阳娜")]
    [InlineData("张明伟", "张伟")]
    public void ChineseNamesWithACharacterDroppedOrRepeatedAreSimilar(string a, string b) =>
        Assert.InRange(NameSimilarity.Score(a, b), Similar, 0.99);

    [Theory]
    [InlineData("王伟", "李伟")]
    [InlineData("王伟明", "李伟明")]
    public void ChineseNamesWithAnotherSurnameScoreLow(string a, string b) =>
        Assert.True(NameSimilarity.Score(a, b) <= 0.3, $"{a} / {b}: {NameSimilarity.Score(a, b)}");

    [Theory]
    [InlineData("王伟", "王芳")]
    [InlineData("王伟明", "王伟强")]
    [InlineData("王伟", "王")]
    public void ChineseNamesWithAnotherGivenNameAreNotSimilar(string a, string b) =>
        Assert.True(NameSimilarity.Score(a, b) < Similar, $"{a} / {b}: {NameSimilarity.Score(a, b)}");

    [Fact]
    public void BrokenOrHugeNamesAreComparedWithoutFailing()
    {
        Assert.Equal("jo\uD800hn", NameSimilarity.Normalise("Jo\uD800hn"));
        Assert.Equal(1.0, NameSimilarity.Score("Jo\uD800hn", "JO\uD800HN"));
        var huge = new string('x', 100_000);
        Assert.Equal(NameSimilarity.MaxLength, NameSimilarity.Normalise(huge).Length);
        Assert.Equal(1.0, NameSimilarity.Score(huge, huge + "y"));
    }

    [Fact]
    public void LatinAndChineseNamesAreNeverSimilar() => Assert.Equal(0.0, NameSimilarity.Score("Wang Wei", "王伟"));

    [Fact]
    public void ABlankNameIsLikeNoOther() => Assert.Equal(0.0, NameSimilarity.Score("", " "));

    [Fact]
    public void ScoresAreSymmetric()
    {
        string[] names = ["James Smith", "Jmaes Smith", "Smith James", "J Smith", "王伟明", "王伟", "王伟伟", "李伟", "Mary Chen", "Mark Chen", "Wang Wei"];
        foreach (var a in names)
        {
            foreach (var b in names) Assert.Equal(NameSimilarity.Score(a, b), NameSimilarity.Score(b, a));
        }
    }
}
