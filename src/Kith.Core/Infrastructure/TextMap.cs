using System.Buffers;
using System.Runtime.CompilerServices;

namespace Kith.Core.Infrastructure;

/// <summary>
/// A map from strings (compared ordinally) to small values, for millions of short keys: the keys live as UTF-8 in one
/// <see cref="TextArena"/> and the entries in one array of structs (open addressing, linear probing), so an entry of a
/// six-character external id costs about 30 bytes where a <c>Dictionary&lt;string, long&gt;</c> spends about 90 on
/// the entry and its string. Keys are never removed. Not thread-safe.
/// </summary>
public sealed class TextMap<TValue> where TValue : unmanaged
{
    private struct Slot
    {
        public int Key;   // arena handle; 0: empty
        public int Hash;
        public TValue Value;
    }

    private readonly TextArena _keys = new();
    private Slot[] _slots;
    private int _count;

    /// <param name="capacity">How many keys it is expected to hold (see <see cref="IdMap{TValue}(int)"/>).</param>
    public TextMap(int capacity = 0) => _slots = new Slot[IdMap<int>.Slots(capacity)];

    public int Count => _count;

    public bool ContainsKey(string key) => !Unsafe.IsNullRef(ref Find(key));

    public bool TryGetValue(string key, out TValue value)
    {
        ref var found = ref Find(key);
        if (Unsafe.IsNullRef(ref found))
        {
            value = default;
            return false;
        }
        value = found;
        return true;
    }

    /// <summary>Adds the key with the value unless the key is there already (the first value stays).</summary>
    public bool TryAdd(string key, TValue value)
    {
        ref var slot = ref GetValueRefOrAddDefault(key, out var exists);
        if (!exists) slot = value;
        return !exists;
    }

    /// <summary>Reads a value (the key must be there), or sets it, adding the key when it is new.</summary>
    public TValue this[string key]
    {
        get
        {
            ref var found = ref Find(key);
            if (Unsafe.IsNullRef(ref found)) throw new KeyNotFoundException($"The key '{key}' is not in the map.");
            return found;
        }
        set => GetValueRefOrAddDefault(key, out _) = value;
    }

    /// <summary>The value of a key, or a null reference when the key is not there; valid until the next key is added.</summary>
    public ref TValue Find(string key)
    {
        byte[]? rented = null;
        Span<byte> buffer = key.Length <= 256 ? stackalloc byte[768] : (rented = ArrayPool<byte>.Shared.Rent(key.Length * 3 + 1));
        try
        {
            var bytes = buffer[..TextArena.Encode(key, buffer)];
            var i = Probe(bytes, HashOf(bytes));
            return ref i < 0 ? ref Unsafe.NullRef<TValue>() : ref _slots[i].Value;
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>The value of a key, added with the default value when it is new; valid until the next key is added.</summary>
    public ref TValue GetValueRefOrAddDefault(string key, out bool exists)
    {
        byte[]? rented = null;
        Span<byte> buffer = key.Length <= 256 ? stackalloc byte[768] : (rented = ArrayPool<byte>.Shared.Rent(key.Length * 3 + 1));
        try
        {
            var bytes = buffer[..TextArena.Encode(key, buffer)];
            var hash = HashOf(bytes);
            var i = Probe(bytes, hash);
            exists = i >= 0;
            if (exists) return ref _slots[i].Value;
            if ((_count + 1) * 4 > _slots.Length * 3) Grow();
            i = ~Probe(bytes, hash);
            _slots[i] = new Slot { Key = _keys.Add(bytes), Hash = hash };
            _count++;
            return ref _slots[i].Value;
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>The slot holding the key, or the complement of the empty slot where it would go.</summary>
    private int Probe(ReadOnlySpan<byte> key, int hash)
    {
        var slots = _slots;
        var i = Start(hash, slots.Length);
        while (true)
        {
            ref var s = ref slots[i];
            if (s.Key == 0) return ~i;
            if (s.Hash == hash && _keys.Bytes(s.Key).SequenceEqual(key)) return i;
            if (++i == slots.Length) i = 0;
        }
    }

    private void Grow()
    {
        // Half again as many slots: the table stays between half and three quarters full.
        var bigger = new Slot[_slots.Length + _slots.Length / 2];
        foreach (var s in _slots)
        {
            if (s.Key == 0) continue;
            var i = Start(s.Hash, bigger.Length);
            while (bigger[i].Key != 0)
                if (++i == bigger.Length) i = 0;
            bigger[i] = s;
        }
        _slots = bigger;
    }

    /// <summary>Maps a 32-bit hash onto the table by its high bits (Lemire's multiply-shift), for any table size.</summary>
    private static int Start(int hash, int length) => (int)(((ulong)(uint)hash * (ulong)length) >> 32);

    private static int HashOf(ReadOnlySpan<byte> bytes)
    {
        // Seeded per process: keys come from files, and a fixed hash would let a crafted file make every key collide.
        var h = new HashCode();
        h.AddBytes(bytes);
        return h.ToHashCode();
    }
}
