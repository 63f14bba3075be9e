namespace Kith.Core.Duplicates.Matching;

/// <summary>Exact matches are safe to merge without asking; fuzzy ones are for a person to review.</summary>
public enum MatchKind { Exact, Fuzzy }

/// <summary>
/// Two records that look like one person: <see cref="Id"/> is the record asked about (the new row for
/// <see cref="DuplicateIndex"/>, the smaller id for <see cref="DuplicateScan"/>), <see cref="OtherId"/> the record it
/// matches. <see cref="Score"/> is in 0..1 (exact matches score at least 0.9, fuzzy ones below); <see cref="Reasons"/>
/// say why, e.g. "same phone", "similar name (0.93)", in the order the rules weigh them.
/// </summary>
public sealed record DuplicateMatch(long Id, long OtherId, MatchKind Kind, double Score, IReadOnlyList<string> Reasons)
{
    /// <summary>The reasons as one line, "same phone; similar name (0.93)", the form <see cref="DuplicatePair.Reasons"/> stores.</summary>
    public string Explain() => string.Join("; ", Reasons);

    public override string ToString() => $"{Id} ~ {OtherId}: {Kind} {Score:0.00} ({Explain()})";
}
