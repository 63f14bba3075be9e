using System.Buffers;
using Kith.Core.Infrastructure;

namespace Kith.Core.Duplicates.Matching;

/// <summary>
/// The importer's memory of who has been seen: stored customers are added first (<see cref="Add"/>), then each file
/// row in file order asks which earlier record it is and joins the index (<see cref="FindAndAdd"/>). People are
/// grouped into blocks by email, phone, distinctive email local part, and name at a company (<see cref="MatchSignal"/>);
/// a new person is compared by <see cref="DuplicateRules"/> only with the members of its blocks, so a lookup costs
/// the same with ten records or ten million.
/// <para>A block holding more than <c>maxBlockSize</c> people (a switchboard number, a shared placeholder address) is
/// searched only among its most recent <c>maxBlockSize</c> members, and listed in <see cref="CappedBlocks"/>.</para>
/// <para>Ids are whatever the caller needs them to be, unique per person: a record is never matched with its own id,
/// and adding an id again (an updated record) adds its new values, the old ones still finding it.</para>
/// <para>Memory: a person's values are kept as UTF-8 in one <see cref="TextArena"/> (not as the caller's
/// <see cref="PersonKey"/>, which is rebuilt for each comparison), so a person costs their text plus about 80 bytes
/// of arrays and blocks: about 150 MB for gen_data.py's million customers. Not thread-safe.</para>
/// </summary>
public sealed class DuplicateIndex
{
    private const int SignalCount = 4;
    private static readonly MatchSignal[] s_signals = Enum.GetValues<MatchSignal>();

    private readonly int _maxBlockSize;
    // Person i: its id, and its name, email, phone, company and city in _text (see Write).
    private long[] _ids;
    private int[] _records;
    private int _count;
    private readonly TextArena _text = new();
    // _next[person * SignalCount + signal]: the previous person with the same value, or -1; each block is a chain
    // from its newest member backwards, so no per-block list is allocated for the million blocks of one.
    private int[] _next;
    private int[] _visited;
    private int _lookup;
    private readonly IdMap<Block> _blocks;
    private readonly Dictionary<ulong, (MatchSignal Signal, string Value)> _capped = [];

    private struct Block
    {
        public int Newest;
        public int Count;
    }

    /// <param name="capacity">
    /// How many people it is expected to hold: its arrays are made for them at once, instead of being copied into
    /// ever larger ones (at a million people, each copy is a large allocation that brings a full collection closer).
    /// </param>
    public DuplicateIndex(int maxBlockSize = 100, int capacity = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBlockSize, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        _maxBlockSize = maxBlockSize;
        var people = Math.Max(64, capacity);
        _ids = new long[people];
        _records = new int[people];
        _visited = new int[people];
        _next = new int[people * SignalCount];
        _blocks = new IdMap<Block>(capacity * BlocksPerPerson);
    }

    /// <summary>About how many blocks a person opens (gen_data.py's customers: email, phone, name at a company, and a distinctive local part).</summary>
    private const int BlocksPerPerson = 3;

    /// <summary>How many blocks there are (for sizing <see cref="BlocksPerPerson"/>).</summary>
    internal int BlockCount => _blocks.Count;

    /// <summary>How many people have been added.</summary>
    public int Count => _count;

    /// <summary>Blocks that grew beyond the size searched in full, with their current size.</summary>
    public IReadOnlyList<CappedBlock> CappedBlocks =>
        [.. _capped.Select(c => new CappedBlock(c.Value.Signal, c.Value.Value, _blocks.Find((long)c.Key).Count, _maxBlockSize))
            .OrderBy(c => c.Signal).ThenBy(c => c.Value, StringComparer.Ordinal)];

    /// <summary>Adds a person without looking for matches (a stored record, loaded before a file).</summary>
    public void Add(PersonKey person)
    {
        ArgumentNullException.ThrowIfNull(person);
        var profile = new PersonProfile(person);
        Add(profile, new BlockKeys(profile));
    }

    /// <summary>
    /// The best match of <paramref name="person"/> among the people added so far (exact before fuzzy, then the higher
    /// score, then the earlier added), or null; then adds the person. The match's Id is the person's, OtherId the earlier one's.
    /// </summary>
    public DuplicateMatch? FindAndAdd(PersonKey person)
    {
        ArgumentNullException.ThrowIfNull(person);
        var profile = new PersonProfile(person);
        var keys = new BlockKeys(profile);
        var best = Search(profile, keys, all: null);
        Add(profile, keys);
        return best;
    }

    /// <summary>The best match among the people added so far, without adding the person.</summary>
    public DuplicateMatch? Find(PersonKey person)
    {
        ArgumentNullException.ThrowIfNull(person);
        var profile = new PersonProfile(person);
        return Search(profile, new BlockKeys(profile), all: null);
    }

    /// <summary>Every match among the people added so far, one per earlier id, best first; the person is not added.</summary>
    public IReadOnlyList<DuplicateMatch> FindAll(PersonKey person)
    {
        ArgumentNullException.ThrowIfNull(person);
        var profile = new PersonProfile(person);
        return All(profile, new BlockKeys(profile));
    }

    /// <summary>
    /// Every match among the people added so far, best first, then adds the person: the first is what
    /// <see cref="FindAndAdd"/> returns, the others are worth flagging too (a record matching two earlier ones that
    /// did not match each other, say a duplicate seen before its original).
    /// </summary>
    public IReadOnlyList<DuplicateMatch> FindAllAndAdd(PersonKey person)
    {
        ArgumentNullException.ThrowIfNull(person);
        var profile = new PersonProfile(person);
        var keys = new BlockKeys(profile);
        var all = All(profile, keys);
        Add(profile, keys);
        return all;
    }

    private List<DuplicateMatch> All(PersonProfile person, BlockKeys keys)
    {
        var all = new List<(DuplicateMatch Match, int Index)>();
        Search(person, keys, all);
        var byId = new Dictionary<long, (DuplicateMatch Match, int Index)>();
        foreach (var m in all)
        {
            if (!byId.TryGetValue(m.Match.OtherId, out var kept) || Better(m.Match, m.Index, kept.Match, kept.Index)) byId[m.Match.OtherId] = m;
        }
        var ordered = byId.Values.ToList();
        ordered.Sort((x, y) => Better(x.Match, x.Index, y.Match, y.Index) ? -1 : Better(y.Match, y.Index, x.Match, x.Index) ? 1 : 0);
        return [.. ordered.Select(m => m.Match)];
    }

    private DuplicateMatch? Search(PersonProfile person, BlockKeys keys, List<(DuplicateMatch, int)>? all)
    {
        if (++_lookup == int.MaxValue)
        {
            Array.Clear(_visited);
            _lookup = 1;
        }
        DuplicateMatch? best = null;
        var bestIndex = -1;
        foreach (var signal in s_signals)
        {
            var key = keys[signal];
            if (key == 0 || !_blocks.TryGetValue((long)key, out var block)) continue;
            if (block.Count > _maxBlockSize && !_capped.ContainsKey(key)) _capped.Add(key, (signal, person.BlockValue(signal)!));
            var index = block.Newest;
            for (var walked = 0; index >= 0 && walked < _maxBlockSize; walked++, index = _next[index * SignalCount + (int)signal])
            {
                if (_visited[index] == _lookup) continue;
                _visited[index] = _lookup;
                if (_ids[index] == person.Id) continue;
                var match = DuplicateRules.Compare(person, new PersonProfile(PersonAt(index)));
                if (match is null) continue;
                all?.Add((match, index));
                if (Better(match, index, best, bestIndex))
                {
                    best = match;
                    bestIndex = index;
                }
            }
        }
        return best;
    }

    private static bool Better(DuplicateMatch candidate, int index, DuplicateMatch? best, int bestIndex) =>
        best is null || DuplicateRules.IsBetter(candidate, best) ||
        (candidate.Kind == best.Kind && candidate.Score == best.Score && index < bestIndex);

    private void Add(PersonProfile person, BlockKeys keys)
    {
        var index = _count++;
        if (_ids.Length <= index)
        {
            Array.Resize(ref _ids, _ids.Length * 2);
            Array.Resize(ref _records, _ids.Length);
            Array.Resize(ref _visited, _ids.Length);
            Array.Resize(ref _next, _ids.Length * SignalCount);
        }
        _ids[index] = person.Id;
        _records[index] = Write(person.Person);
        foreach (var signal in s_signals)
        {
            var slot = index * SignalCount + (int)signal;
            var key = keys[signal];
            if (key == 0)
            {
                _next[slot] = -1;
                continue;
            }
            ref var block = ref _blocks.GetValueRefOrAddDefault((long)key, out var exists);
            _next[slot] = exists ? block.Newest : -1;
            block.Newest = index;
            block.Count++;
        }
    }

    /// <summary>Stores a person's text as one record: per value its length plus one (0: none), then its bytes.</summary>
    private int Write(PersonKey p)
    {
        string?[] values = [p.Name, p.Email, p.Phone, p.CompanyName, p.City];
        var size = 0;
        foreach (var v in values) size += 5 + (v?.Length ?? 0) * 3 + 1;
        var buffer = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            var at = 0;
            foreach (var v in values)
            {
                if (v is null)
                {
                    buffer[at++] = 0;
                    continue;
                }
                if (v.Length * 3 + 1 < 0x80)
                {
                    // Its length fits the varint's one byte: written in place, not moved behind a longer one.
                    var written = TextArena.Encode(v, buffer.AsSpan(at + 1));
                    at += TextArena.WriteVarint(buffer.AsSpan(at), written + 1) + written;
                    continue;
                }
                var bytes = buffer.AsSpan(at + 5);
                var n = TextArena.Encode(v, bytes);
                at += TextArena.WriteVarint(buffer.AsSpan(at), n + 1);
                bytes[..n].CopyTo(buffer.AsSpan(at));
                at += n;
            }
            return _text.Add(buffer.AsSpan(0, at));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The person added at an index, as the caller gave them.</summary>
    private PersonKey PersonAt(int index)
    {
        var record = _text.Bytes(_records[index]);
        var name = Read(ref record) ?? "";
        var email = Read(ref record);
        var phone = Read(ref record);
        var company = Read(ref record);
        return new PersonKey(_ids[index], name, email, phone, company, Read(ref record));
    }

    private static string? Read(ref ReadOnlySpan<byte> record)
    {
        var i = 0;
        var length = TextArena.ReadVarint(record, ref i);
        string? value = length == 0 ? null : TextArena.Decode(record.Slice(i, length - 1));
        record = record[(i + Math.Max(0, length - 1))..];
        return value;
    }
}

/// <summary>A person's block key for each signal, 0 where the person has no value.</summary>
internal readonly struct BlockKeys
{
    private readonly ulong _email, _phone, _localPart, _nameAndCompany;

    public BlockKeys(PersonProfile person)
    {
        _email = Of(person, MatchSignal.Email);
        _phone = Of(person, MatchSignal.Phone);
        _localPart = Of(person, MatchSignal.EmailLocalPart);
        _nameAndCompany = Of(person, MatchSignal.NameAndCompany);
    }

    public ulong this[MatchSignal signal] => signal switch
    {
        MatchSignal.Email => _email,
        MatchSignal.Phone => _phone,
        MatchSignal.EmailLocalPart => _localPart,
        _ => _nameAndCompany,
    };

    private static ulong Of(PersonProfile person, MatchSignal signal) =>
        person.BlockValue(signal) is { } value ? Math.Max(1, BlockKey.Of(signal, value)) : 0;
}

/// <summary>A 64-bit key for a block: the signal and its value hashed together (a collision only costs a comparison).</summary>
internal static class BlockKey
{
    public static ulong Of(MatchSignal signal, string value)
    {
        var h = 14695981039346656037UL ^ ((ulong)(signal + 1) * 0x9E3779B97F4A7C15UL);
        foreach (var c in value)
        {
            h ^= c;
            h *= 1099511628211UL;
        }
        // SplitMix64 finaliser: FNV's low bits are weak, and sorting and hashing both look at them.
        h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9UL;
        h = (h ^ (h >> 27)) * 0x94D049BB133111EBUL;
        return h ^ (h >> 31);
    }
}
