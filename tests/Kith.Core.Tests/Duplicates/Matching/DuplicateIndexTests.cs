using Kith.Core.Duplicates.Matching;

namespace Kith.Core.Tests.Duplicates.Matching;

public sealed class DuplicateIndexTests
{
    private static readonly PersonKey s_original = new(10, "Noah Brown", "noah.brown77@example.com", "+16462268689", null, "Toronto");
    private static readonly PersonKey s_typo = new(20, "Noah Borwn", "noah.brown77@example.org", "(646) 226-8689", null, "Toronto");
    private static readonly PersonKey s_stranger = new(30, "Emma Silva", "emma.silva5@example.com", "+14155550100", null, "Berlin");

    [Fact]
    public void TheLaterRecordFindsTheEarlierOneWhicheverOfThePairComesFirst()
    {
        var forward = new DuplicateIndex();
        Assert.Null(forward.FindAndAdd(s_original));
        Assert.Null(forward.FindAndAdd(s_stranger));
        var found = forward.FindAndAdd(s_typo);

        var backward = new DuplicateIndex();
        Assert.Null(backward.FindAndAdd(s_typo));
        Assert.Null(backward.FindAndAdd(s_stranger));
        var foundBack = backward.FindAndAdd(s_original);

        Assert.NotNull(found);
        Assert.NotNull(foundBack);
        Assert.Equal((20L, 10L), (found.Id, found.OtherId));
        Assert.Equal((10L, 20L), (foundBack.Id, foundBack.OtherId));
        Assert.Equal((found.Kind, found.Score), (foundBack.Kind, foundBack.Score));
        Assert.Equal(found.Reasons, foundBack.Reasons);
        Assert.Equal(MatchKind.Fuzzy, found.Kind);
        Assert.Equal(3, forward.Count);
    }

    [Fact]
    public void StoredRecordsAddedFirstAreFoundByFileRows()
    {
        var index = new DuplicateIndex();
        index.Add(s_original);
        index.Add(s_stranger);
        var m = index.FindAndAdd(new PersonKey(-2, "NOAH BROWN", " Noah.Brown77@Example.com ", null));
        Assert.NotNull(m);
        Assert.Equal((-2L, 10L, MatchKind.Exact), (m.Id, m.OtherId, m.Kind));
    }

    [Fact]
    public void AnExactMatchIsPreferredOverAFuzzyOneAndTheOthersAreListed()
    {
        var index = new DuplicateIndex();
        index.Add(s_typo);
        index.Add(s_original);
        var again = new PersonKey(40, "Noah Brown", "noah.brown77@example.com", "+16462268689");
        var all = index.FindAll(again);
        Assert.Equal([10L, 20L], all.Select(m => m.OtherId));
        Assert.Equal([MatchKind.Exact, MatchKind.Fuzzy], all.Select(m => m.Kind));
        Assert.Equal(10, index.Find(again)?.OtherId);
        Assert.Equal(2, index.Count);
        Assert.Equal(all.Select(m => (m.OtherId, m.Kind, m.Score)), index.FindAllAndAdd(again).Select(m => (m.OtherId, m.Kind, m.Score)));
        Assert.Equal(3, index.Count);
    }

    [Fact]
    public void ARecordIsNeverItsOwnDuplicateAndAnUpdatedOneIsStillFoundByItsOldValues()
    {
        var index = new DuplicateIndex();
        index.Add(s_original);
        Assert.Null(index.FindAndAdd(s_original with { Email = "noah@newjob.com" }));
        var m = index.Find(new PersonKey(50, "Noah Brown", "noah.brown77@example.com", null));
        Assert.Equal(10, m?.OtherId);
        Assert.Single(index.FindAll(new PersonKey(51, "Noah Brown", "noah@newjob.com", "+16462268689")));
    }

    [Fact]
    public void SamePhoneWithAnotherNameIsNotADuplicate()
    {
        var index = new DuplicateIndex();
        index.Add(new PersonKey(1, "Mary Chen", null, "+14155550100"));
        Assert.Null(index.FindAndAdd(new PersonKey(2, "Mark Chen", null, "+14155550100")));
    }

    [Fact]
    public void ABlockBeyondTheCapIsSearchedAmongItsNewestMembersAndReported()
    {
        var index = new DuplicateIndex(maxBlockSize: 10);
        index.Add(new PersonKey(1, "Early Bird", null, "+861012345678"));
        for (var i = 0; i < 30; i++) index.Add(new PersonKey(100 + i, Names.Distinct(i), null, "+861012345678"));
        Assert.Null(index.FindAndAdd(new PersonKey(2, "Early Bird", null, "+861012345678")));
        Assert.Equal(125, index.FindAndAdd(new PersonKey(3, Names.Distinct(25), null, "+861012345678"))?.OtherId);
        var capped = Assert.Single(index.CappedBlocks);
        Assert.Equal((MatchSignal.Phone, "1012345678", 33, 10L), (capped.Signal, capped.Value, capped.Size, capped.Compared));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(500)]
    [InlineData(50_000)]
    public void AnIndexMadeForSomeCapacityFindsWhatAGrownOneFinds(int capacity)
    {
        // People with planted duplicates (a typo in the name, the same email or phone), more or fewer than the capacity.
        var random = new Random(5);
        var people = new List<PersonKey>();
        for (var i = 0; i < 3_000; i++)
        {
            var name = Names.Distinct(random.Next(1_200));
            var email = random.Next(3) == 0 ? null : $"{name.Replace(' ', '.')}{random.Next(40)}@example.com";
            var phone = random.Next(2) == 0 ? null : "+8613" + random.Next(100_000, 100_900).ToString(System.Globalization.CultureInfo.InvariantCulture) + "1234";
            if (random.Next(10) == 0) name = name[..^1] + "x";
            people.Add(new PersonKey(i + 1, name, email, phone, random.Next(4) == 0 ? "Acme" : null, "Shanghai"));
        }
        var grown = new DuplicateIndex();
        var sized = new DuplicateIndex(capacity: capacity);
        var found = 0;
        foreach (var person in people)
        {
            var expected = grown.FindAndAdd(person);
            var actual = sized.FindAndAdd(person);
            Assert.Equal(expected is null, actual is null);
            if (expected is null) continue;
            found++;
            Assert.Equal((expected.OtherId, expected.Kind, expected.Score), (actual!.OtherId, actual.Kind, actual.Score));
        }
        Assert.Equal(people.Count, sized.Count);
        Assert.InRange(found, 100, people.Count);
    }
}

/// <summary>Names that are far apart from each other, for filling a block with different people.</summary>
internal static class Names
{
    public static string Distinct(int i)
    {
        var random = new Random(i * 7919 + 13);
        return Word(random) + " " + Word(random);

        static string Word(Random r) => string.Concat(Enumerable.Range(0, 7).Select(_ => (char)('a' + r.Next(26))));
    }
}
