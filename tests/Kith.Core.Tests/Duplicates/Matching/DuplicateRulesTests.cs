using Kith.Core.Duplicates.Matching;

namespace Kith.Core.Tests.Duplicates.Matching;

public sealed class DuplicateRulesTests
{
    private static PersonKey P(long id, string name, string? email = null, string? phone = null, string? company = null, string? city = null) =>
        new(id, name, email, phone, company, city);

    [Fact]
    public void SameEmailIsAnExactMatchEvenWithTheCaseAndSpacingChanged()
    {
        var m = DuplicateRules.Compare(P(1, "Mary Smith", "mary.smith@example.com"), P(2, "Mary Smith", "  MARY.Smith@example.com "));
        Assert.NotNull(m);
        Assert.Equal(MatchKind.Exact, m.Kind);
        Assert.Equal(1.0, m.Score);
        Assert.Equal(["same email", "same name"], m.Reasons);
        Assert.Equal((1L, 2L), (m.Id, m.OtherId));
    }

    [Fact]
    public void SameEmailWithAnotherNameStillMatchesExactlyButScoresLowerAndSaysSo()
    {
        var m = DuplicateRules.Compare(P(1, "Mary Smith", "m.smith77@example.com"), P(2, "Tom Jones", "m.smith77@example.com"));
        Assert.NotNull(m);
        Assert.Equal(MatchKind.Exact, m.Kind);
        Assert.InRange(m.Score, 0.9, 0.97);
        Assert.StartsWith("different name", m.Reasons[^1]);
    }

    [Fact]
    public void ARoleMailboxSharedByColleaguesIsNoMatchUnlessTheNameIsTheSame()
    {
        Assert.Null(DuplicateRules.Compare(P(1, "John Smith", "info@acme.com"), P(2, "Jane Doe", "info@acme.com")));
        var same = DuplicateRules.Compare(P(1, "John Smith", "info@acme.com"), P(2, "john smith", "info@acme.com"));
        Assert.Equal(MatchKind.Exact, same?.Kind);
    }

    [Fact]
    public void SamePhoneAndSameNameIsAnExactMatch()
    {
        var m = DuplicateRules.Compare(P(1, "王伟", phone: "+8613812345678"), P(2, "王 伟", phone: "+86 138 1234 5678"));
        Assert.NotNull(m);
        Assert.Equal(MatchKind.Exact, m.Kind);
        Assert.Equal(["same phone", "same name"], m.Reasons);
    }

    [Theory]
    [InlineData("Mary Chen", "Mark Chen")]
    [InlineData("王伟", "李娜")]
    [InlineData("王伟明", "王伟强")]
    [InlineData("John Smith", "王伟")]
    public void SamePhoneWithDifferentNamesIsNoMatch(string a, string b) =>
        Assert.Null(DuplicateRules.Compare(P(1, a, phone: "+14155550123"), P(2, b, phone: "+14155550123")));

    [Fact]
    public void SamePhoneAndASimilarNameIsAFuzzyMatch()
    {
        var m = DuplicateRules.Compare(P(1, "王伟明", phone: "+8613812345678", city: "Shanghai"), P(2, "王伟", phone: "+8613812345678", city: "Shanghai"));
        Assert.NotNull(m);
        Assert.Equal(MatchKind.Fuzzy, m.Kind);
        Assert.Equal(["same phone", "same city", "similar name (0.85)"], m.Reasons);
        Assert.InRange(m.Score, 0.7, 0.89);
    }

    [Fact]
    public void TheSameNumberUnderAnotherCountryCodeIsAFuzzyMatch()
    {
        // "(310) 628-3476" read in a CN workspace is a valid Handan number; the same person's US number is +1 310...
        var m = DuplicateRules.Compare(P(1, "Lucas Williams", phone: "+13106283476"), P(2, "Lucas Williams", phone: "+863106283476"));
        Assert.NotNull(m);
        Assert.Equal(MatchKind.Fuzzy, m.Kind);
        Assert.Contains("same phone number, other country code", m.Reasons);
        Assert.Null(DuplicateRules.Compare(P(1, "Lucas Williams", phone: "+13106283476"), P(2, "Noah Brown", phone: "+863106283476")));
    }

    [Fact]
    public void ShortPhoneNumbersAreNoSignal() =>
        Assert.Null(DuplicateRules.Compare(P(1, "Mary Smith", phone: "110"), P(2, "Mary Smith", phone: "110")));

    [Fact]
    public void SameDistinctiveLocalPartAtAnotherDomainWithASimilarNameIsAFuzzyMatch()
    {
        var m = DuplicateRules.Compare(P(1, "Noah Brown", "noah.brown1988@gmail.com"), P(2, "Noah Borwn", "noah.brown1988@acme.org"));
        Assert.NotNull(m);
        Assert.Equal(MatchKind.Fuzzy, m.Kind);
        Assert.Equal("same email local part", m.Reasons[0]);
    }

    [Theory]
    [InlineData("info")]
    [InlineData("sales")]
    [InlineData("admin")]
    [InlineData("bob")]
    [InlineData("aaaaaa")]
    public void AGenericOrShortLocalPartAtAnotherDomainIsNoMatch(string local) =>
        Assert.Null(DuplicateRules.Compare(P(1, "Bob Stone", $"{local}@one.com"), P(2, "Bob Stone", $"{local}@two.com")));

    [Fact]
    public void SameLocalPartWithAnotherNameIsNoMatch() =>
        Assert.Null(DuplicateRules.Compare(P(1, "Noah Brown", "travelbug@gmail.com"), P(2, "Lisa Park", "travelbug@acme.org")));

    [Fact]
    public void PhoneAndLocalPartTogetherOutweighANameGarbledTwiceButNotAnotherName()
    {
        var m = DuplicateRules.Compare(P(1, "Linda Simth", "linda.smith42@example.org", "+14045145554"), P(2, "Linda Smtih", "linda.smith42@example.com", "+14045145554"));
        Assert.Equal(MatchKind.Fuzzy, m?.Kind);
        Assert.Null(DuplicateRules.Compare(P(1, "Linda Smith", "linda.smith42@example.org", "+14045145554"), P(2, "Mary Jones", "linda.smith42@example.com", "+14045145554")));
    }

    [Fact]
    public void TheSameNameAtTheSameCompanyIsAFuzzyMatch()
    {
        var m = DuplicateRules.Compare(P(1, "Anna Berg", company: "Acme Inc."), P(2, "anna berg", company: "ACME"));
        Assert.NotNull(m);
        Assert.Equal(MatchKind.Fuzzy, m.Kind);
        Assert.Equal(["same company", "same name"], m.Reasons);
        Assert.Null(DuplicateRules.Compare(P(1, "Anna Berg", company: "Acme"), P(2, "Anne Borg", company: "Acme")));
    }

    [Fact]
    public void TheSameNameInTheSameCityOrWithNothingElseSharedIsNoMatch()
    {
        Assert.Null(DuplicateRules.Compare(P(1, "王伟", city: "Shanghai"), P(2, "王伟", city: "Shanghai")));
        Assert.Null(DuplicateRules.Compare(P(1, "Mary Smith", "mary@one.com", "+14155550100"), P(2, "Mary Smith", "smith.m@two.com", "+14155550199")));
    }

    [Fact]
    public void TheVerdictIsTheSameWhicheverRecordIsAskedAbout()
    {
        var a = P(1, "Jmaes Smith", "james.smith9@example.org", "+12125550123", "Acme", "New York");
        var b = P(2, "James Smith", "james.smith9@example.com", "(212) 555-0123", "Acme", "New York");
        var ab = DuplicateRules.Compare(a, b);
        var ba = DuplicateRules.Compare(b, a);
        Assert.NotNull(ab);
        Assert.NotNull(ba);
        Assert.Equal((ab.Kind, ab.Score), (ba.Kind, ba.Score));
        Assert.Equal(ab.Reasons, ba.Reasons);
    }
}
