using System.Globalization;
using Kith.Core.Duplicates.Matching;

namespace Kith.DedupBench;

/// <summary>
/// Precision and recall of found pairs against duplicates_truth.csv (customer_id,duplicate_of: each planted duplicate
/// record and the original person it describes; any id not listed is its own original).
/// <para>A found pair is correct when both records describe the same original person, so two duplicates of one person
/// paired together are correct. Precision = correct pairs / found pairs.</para>
/// <para>Recall is over the truth pairs (duplicate, original), counting a pair as found when the correct found pairs
/// connect the two records, directly or through other records of the same person: that is what merging the found pairs
/// would achieve, and it does not credit the streaming index (one match per record) less than the scan (all pairs).
/// Record recall (the duplicate record is in at least one correct pair) is printed next to it.</para>
/// </summary>
internal sealed class TruthScore(Dictionary<long, long> duplicateOf)
{
    public int Duplicates => duplicateOf.Count;

    /// <summary>The truth about the records present (all of them unless the file was read with a limit).</summary>
    public static TruthScore Read(string path, IReadOnlySet<long> present)
    {
        var map = new Dictionary<long, long>();
        foreach (var line in File.ReadLines(path).Skip(1))
        {
            if (line.Length == 0) continue;
            var comma = line.IndexOf(',');
            var id = long.Parse(line.AsSpan(0, comma), CultureInfo.InvariantCulture);
            var original = long.Parse(line.AsSpan(comma + 1), CultureInfo.InvariantCulture);
            if (present.Contains(id) && present.Contains(original)) map[id] = original;
        }
        return new TruthScore(map);
    }

    public long PersonOf(long id) => duplicateOf.TryGetValue(id, out var original) ? original : id;

    public bool IsCorrect(DuplicateMatch m) => PersonOf(m.Id) == PersonOf(m.OtherId);

    public Result Score(IReadOnlyCollection<DuplicateMatch> pairs)
    {
        var correct = 0;
        var exact = 0;
        var exactCorrect = 0;
        var parent = new Dictionary<long, long>();
        var caught = new HashSet<long>();
        foreach (var m in pairs)
        {
            var ok = IsCorrect(m);
            if (m.Kind == MatchKind.Exact)
            {
                exact++;
                if (ok) exactCorrect++;
            }
            if (!ok) continue;
            correct++;
            if (duplicateOf.ContainsKey(m.Id)) caught.Add(m.Id);
            if (duplicateOf.ContainsKey(m.OtherId)) caught.Add(m.OtherId);
            Union(parent, m.Id, m.OtherId);
        }
        var found = duplicateOf.Count(t => Find(parent, t.Key) == Find(parent, t.Value));
        return new Result(pairs.Count, exact, pairs.Count - exact, pairs.Count - correct,
            pairs.Count == 0 ? 1 : (double)correct / pairs.Count,
            exact == 0 ? 1 : (double)exactCorrect / exact,
            duplicateOf.Count == 0 ? 1 : (double)found / duplicateOf.Count,
            duplicateOf.Count == 0 ? 1 : (double)caught.Count / duplicateOf.Count,
            [.. duplicateOf.Where(t => Find(parent, t.Key) != Find(parent, t.Value)).Select(t => t.Key)]);
    }

    public sealed record Result(int Pairs, int Exact, int Fuzzy, int Wrong, double Precision, double ExactPrecision, double Recall, double RecordRecall, long[] Missed);

    private static long Find(Dictionary<long, long> parent, long x)
    {
        while (parent.TryGetValue(x, out var p) && p != x)
        {
            var grand = parent.TryGetValue(p, out var g) ? g : p;
            parent[x] = grand;
            x = grand;
        }
        return x;
    }

    private static void Union(Dictionary<long, long> parent, long a, long b)
    {
        var ra = Find(parent, a);
        var rb = Find(parent, b);
        if (ra != rb) parent[Math.Max(ra, rb)] = Math.Min(ra, rb);
    }
}
