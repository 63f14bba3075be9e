using Kith.Core.Duplicates.Matching;

namespace Kith.Core.Tests.Duplicates.Matching;

public sealed class DuplicateScanTests
{
    private static readonly PersonKey[] s_people =
    [
        new(5, "Mary Smith", "mary.smith5@example.com", "+14155550105"),
        new(3, "Mary Smith", "MARY.SMITH5@example.com", "+14155550105"),   // same email and phone: found in two blocks
        new(9, "Mary Simth", "mary.smith5@example.org", "(415) 555-0105"), // a third record of the same person
        new(4, "王伟明", null, "+8613812345678"),
        new(7, "王伟", null, "13812345678"),
        new(8, "李娜", null, "+8613812345678"),                            // shares the phone, another person
        new(6, "Emma Silva", "emma.silva@example.com", "+14155550199"),
    ];

    [Fact]
    public void EachPairIsYieldedOnceWithTheSmallerIdFirstInIdOrder()
    {
        var pairs = DuplicateScan.FindPairs(s_people, null, CancellationToken.None).ToList();
        Assert.Equal([(3L, 5L), (3L, 9L), (4L, 7L), (5L, 9L)], pairs.Select(p => (p.Id, p.OtherId)));
        Assert.Equal(MatchKind.Exact, pairs[0].Kind);
        Assert.Equal(["same email", "same phone", "same name"], pairs[0].Reasons);
        Assert.Equal(MatchKind.Fuzzy, pairs[2].Kind);
    }

    [Fact]
    public void TheOrderOfThePeopleDoesNotChangeThePairs()
    {
        var forward = DuplicateScan.FindPairs(s_people, null, CancellationToken.None).Select(p => (p.Id, p.OtherId, p.Kind, p.Score)).ToList();
        var backward = DuplicateScan.FindPairs(s_people.Reverse(), null, CancellationToken.None).Select(p => (p.Id, p.OtherId, p.Kind, p.Score)).ToList();
        Assert.Equal(forward, backward);
    }

    [Fact]
    public void ABlockBeyondTheCapIsComparedAmongNameNeighboursAndReported()
    {
        const string switchboard = "+861012345678";
        var people = Enumerable.Range(0, 1000).Select(i => new PersonKey(100 + i, Names.Distinct(i), null, switchboard)).ToList();
        people.Add(new PersonKey(1, "Zed Quinn", null, switchboard));
        people.Add(new PersonKey(2, "Zed Quinn", null, switchboard));
        people.Add(new PersonKey(3, "Alma Quist", "alma@example.com", null));
        var reported = new List<CappedBlock>();
        var options = new DuplicateScanOptions { MaxBlockSize = 50, Window = 5, CappedBlockFound = reported.Add };

        var pairs = DuplicateScan.FindPairs(people, options, null, CancellationToken.None).ToList();

        var pair = Assert.Single(pairs);
        Assert.Equal((1L, 2L, MatchKind.Exact), (pair.Id, pair.OtherId, pair.Kind));
        var capped = Assert.Single(reported);
        Assert.Equal((MatchSignal.Phone, "1012345678", 1002), (capped.Signal, capped.Value, capped.Size));
        Assert.InRange(capped.Compared, 1002 * 4, 1002 * 5);
    }

    [Fact]
    public void ProgressCountsThePeopleRead()
    {
        var progress = new Recorder();
        var people = Enumerable.Range(1, 40_000).Select(i => new PersonKey(i, Names.Distinct(i), $"person{i}@example.com", null));
        Assert.Empty(DuplicateScan.FindPairs(people, progress, CancellationToken.None));
        Assert.Equal(40_000, progress.Values[^1]);
        Assert.True(progress.Values.Count > 1);
        Assert.Equal(progress.Values.Order(), progress.Values);
    }

    [Fact]
    public void ACancelledScanStops()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => DuplicateScan.FindPairs(s_people, null, cts.Token).ToList());
    }

    [Fact]
    public void NothingIsReadUntilThePairsAreEnumerated()
    {
        var read = 0;
        var pairs = DuplicateScan.FindPairs(s_people.Select(p => { read++; return p; }), null, CancellationToken.None);
        Assert.Equal(0, read);
        Assert.Equal(4, pairs.Count());
        Assert.Equal(s_people.Length, read);
    }

    private sealed class Recorder : IProgress<long>
    {
        public List<long> Values { get; } = [];
        public void Report(long value) => Values.Add(value);
    }
}
