namespace Kith.Core.Duplicates.Matching;

/// <summary>
/// A block too large to compare in full: <see cref="Size"/> people share <see cref="Value"/> (a switchboard number, a
/// placeholder address; a phone is shown without its country code). <see cref="Compared"/> is how many pairs of them
/// <see cref="DuplicateScan"/> looked at, or for <see cref="DuplicateIndex"/> how many of the newest members each lookup
/// compares with. Worth a person's look: the value is probably not a contact detail of anyone in particular.
/// </summary>
public sealed record CappedBlock(MatchSignal Signal, string Value, int Size, long Compared);

public sealed record DuplicateScanOptions
{
    /// <summary>Blocks up to this size are compared pair by pair (at most about 20,000 comparisons each).</summary>
    public int MaxBlockSize { get; init; } = 200;

    /// <summary>
    /// In a larger block, people are sorted by normalised name and each is compared with this many next ones, so that
    /// the same or similar names, which sort close together, are still found at a cost linear in the block's size.
    /// </summary>
    public int Window { get; init; } = 20;

    /// <summary>Told of every capped block once the pairs are found, on the enumerating thread.</summary>
    public Action<CappedBlock>? CappedBlockFound { get; init; }

    public int MaxDegreeOfParallelism { get; init; } = Environment.ProcessorCount;
}

/// <summary>
/// Candidate duplicate pairs across a whole customer base. People are grouped into blocks by each signal
/// (<see cref="MatchSignal"/>): sorting the hashed values puts each block's members side by side. Pairs inside a block
/// are compared by <see cref="DuplicateRules"/>, blocks in parallel; every rule needs a shared signal, so no pair a
/// rule would accept lies outside the blocks (except in capped ones, see <see cref="DuplicateScanOptions.Window"/>).
/// Each unordered pair is yielded once, smaller id first, ordered by id. A million people take a few seconds, most of
/// it reading them.
/// </summary>
public static class DuplicateScan
{
    private static readonly MatchSignal[] s_signals = Enum.GetValues<MatchSignal>();

    /// <inheritdoc cref="FindPairs(IEnumerable{PersonKey}, DuplicateScanOptions, IProgress{long}, CancellationToken)"/>
    public static IEnumerable<DuplicateMatch> FindPairs(IEnumerable<PersonKey> people, IProgress<long>? progress, CancellationToken ct) =>
        FindPairs(people, new DuplicateScanOptions(), progress, ct);

    /// <summary>
    /// The pairs among <paramref name="people"/> (read once, when the result is first enumerated). Progress counts the
    /// people read; the comparisons after the last one take a small part of the time.
    /// </summary>
    public static IEnumerable<DuplicateMatch> FindPairs(IEnumerable<PersonKey> people, DuplicateScanOptions options, IProgress<long>? progress, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(people);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxBlockSize, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Window, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxDegreeOfParallelism, 1);
        return Run(people, options, progress, ct);
    }

    private static IEnumerable<DuplicateMatch> Run(IEnumerable<PersonKey> people, DuplicateScanOptions options, IProgress<long>? progress, CancellationToken ct)
    {
        var list = Read(people, progress, ct);
        var parallel = new ParallelOptions { CancellationToken = ct, MaxDegreeOfParallelism = options.MaxDegreeOfParallelism };

        // One hash per person and signal (0 = none), computed in parallel: the only pass over every person.
        var keys = new ulong[s_signals.Length][];
        for (var s = 0; s < keys.Length; s++) keys[s] = new ulong[list.Count];
        Parallel.ForEach(System.Collections.Concurrent.Partitioner.Create(0, list.Count, 8192), parallel, range =>
        {
            for (var i = range.Item1; i < range.Item2; i++)
            {
                var personKeys = new BlockKeys(new PersonProfile(list[i]));
                foreach (var signal in s_signals) keys[(int)signal][i] = personKeys[signal];
            }
        });

        var blocks = new List<Block>();
        var members = new int[s_signals.Length][];
        Parallel.ForEach(s_signals, parallel, signal => members[(int)signal] = Sorted(keys[(int)signal]));
        foreach (var signal in s_signals)
        {
            var m = members[(int)signal];
            var k = keys[(int)signal];
            for (var start = 0; start < m.Length;)
            {
                var end = start + 1;
                while (end < m.Length && k[m[end]] == k[m[start]]) end++;
                if (end - start > 1) blocks.Add(new Block(signal, start, end - start));
                start = end;
            }
        }
        // Largest blocks first, so that one big block does not finish alone at the end.
        blocks.Sort((x, y) => y.Length.CompareTo(x.Length));

        var found = new List<DuplicateMatch>();
        var capped = new List<CappedBlock>();
        var gate = new object();
        Parallel.ForEach(blocks, parallel,
            () => (Matches: new List<DuplicateMatch>(), Capped: new List<CappedBlock>()),
            (block, _, local) =>
            {
                Compare(list, members[(int)block.Signal].AsSpan(block.Start, block.Length), block.Signal, options, local.Matches, local.Capped);
                return local;
            },
            local =>
            {
                lock (gate)
                {
                    found.AddRange(local.Matches);
                    capped.AddRange(local.Capped);
                }
            });

        // A pair sharing two signals was found in two blocks, with the same verdict: keep one.
        found.Sort((x, y) => x.Id != y.Id ? x.Id.CompareTo(y.Id) : x.OtherId.CompareTo(y.OtherId));
        capped.Sort((x, y) => x.Signal != y.Signal ? x.Signal.CompareTo(y.Signal) : string.CompareOrdinal(x.Value, y.Value));
        progress?.Report(list.Count);
        if (options.CappedBlockFound is { } report)
        {
            foreach (var c in capped) report(c);
        }
        for (var i = 0; i < found.Count; i++)
        {
            if (i > 0 && found[i].Id == found[i - 1].Id && found[i].OtherId == found[i - 1].OtherId) continue;
            yield return found[i];
        }
    }

    private readonly record struct Block(MatchSignal Signal, int Start, int Length);

    private static List<PersonKey> Read(IEnumerable<PersonKey> people, IProgress<long>? progress, CancellationToken ct)
    {
        var list = people is ICollection<PersonKey> c ? new List<PersonKey>(c.Count) : [];
        foreach (var p in people)
        {
            ArgumentNullException.ThrowIfNull(p, nameof(people));
            list.Add(p);
            if ((list.Count & 16383) == 0)
            {
                ct.ThrowIfCancellationRequested();
                progress?.Report(list.Count);
            }
        }
        ct.ThrowIfCancellationRequested();
        return list;
    }

    /// <summary>The indexes of the people with a value for the signal, ordered by its hash.</summary>
    private static int[] Sorted(ulong[] keys)
    {
        var count = 0;
        foreach (var k in keys)
        {
            if (k != 0) count++;
        }
        var hashes = new ulong[count];
        var indexes = new int[count];
        for (int i = 0, j = 0; i < keys.Length; i++)
        {
            if (keys[i] == 0) continue;
            hashes[j] = keys[i];
            indexes[j++] = i;
        }
        Array.Sort(hashes, indexes);
        return indexes;
    }

    private static void Compare(List<PersonKey> list, ReadOnlySpan<int> block, MatchSignal signal, DuplicateScanOptions options,
        List<DuplicateMatch> matches, List<CappedBlock> capped)
    {
        var profiles = new PersonProfile[block.Length];
        for (var i = 0; i < block.Length; i++) profiles[i] = new PersonProfile(list[block[i]]);
        var window = profiles.Length;
        if (profiles.Length > options.MaxBlockSize)
        {
            Array.Sort(profiles, (x, y) =>
            {
                var byName = string.CompareOrdinal(x.Name, y.Name);
                return byName != 0 ? byName : x.Id.CompareTo(y.Id);
            });
            window = options.Window;
        }
        long compared = 0;
        for (var i = 0; i < profiles.Length; i++)
        {
            var last = Math.Min(profiles.Length - 1, i + window);
            for (var j = i + 1; j <= last; j++)
            {
                compared++;
                var (a, b) = profiles[i].Id <= profiles[j].Id ? (profiles[i], profiles[j]) : (profiles[j], profiles[i]);
                if (a.Id == b.Id) continue;
                if (DuplicateRules.Compare(a, b) is { } match) matches.Add(match);
            }
        }
        if (window < profiles.Length)
            capped.Add(new CappedBlock(signal, profiles[0].BlockValue(signal) ?? "", profiles.Length, compared));
    }
}
