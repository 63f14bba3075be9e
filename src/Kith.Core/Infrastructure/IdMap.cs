using System.Runtime.CompilerServices;

namespace Kith.Core.Infrastructure;

/// <summary>
/// A map from non-zero 64-bit keys (record ids, hashes) to small values in one array of structs (open addressing,
/// linear probing): 16 bytes a slot for a long and an int, where a <c>Dictionary&lt;long, int&gt;</c> spends 28 on its
/// entry and bucket. Keys are never removed. Not thread-safe.
/// </summary>
public sealed class IdMap<TValue> where TValue : unmanaged
{
    private struct Slot
    {
        public long Key;   // 0: empty
        public TValue Value;
    }

    private Slot[] _slots;
    private int _count;

    /// <param name="capacity">How many keys it is expected to hold: the table is made for them at once, instead of
    /// being copied into ever larger arrays as it fills (large arrays, each one bringing a full garbage collection closer).</param>
    public IdMap(int capacity = 0) => _slots = new Slot[Slots(capacity)];

    /// <summary>A table length that holds <paramref name="capacity"/> keys at most three quarters full.</summary>
    internal static int Slots(int capacity) => (int)Math.Clamp(capacity * 4L / 3 + 1, 16, Array.MaxLength);

    public int Count => _count;

    public bool ContainsKey(long key) => !Unsafe.IsNullRef(ref Find(key));

    public bool TryGetValue(long key, out TValue value)
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

    /// <summary>The value of a key, or a null reference when the key is not there; valid until the next key is added.</summary>
    public ref TValue Find(long key)
    {
        var i = Probe(key);
        return ref i < 0 ? ref Unsafe.NullRef<TValue>() : ref _slots[i].Value;
    }

    /// <summary>The value of a key, added with the default value when it is new; valid until the next key is added.</summary>
    public ref TValue GetValueRefOrAddDefault(long key, out bool exists)
    {
        ArgumentOutOfRangeException.ThrowIfZero(key);
        var i = Probe(key);
        exists = i >= 0;
        if (exists) return ref _slots[i].Value;
        if ((_count + 1) * 4 > _slots.Length * 3)
        {
            Grow();
            i = Probe(key);
        }
        i = ~i;
        _slots[i].Key = key;
        _count++;
        return ref _slots[i].Value;
    }

    private int Probe(long key)
    {
        var slots = _slots;
        var i = Start(key, slots.Length);
        while (true)
        {
            ref var s = ref slots[i];
            if (s.Key == key) return i;
            if (s.Key == 0) return ~i;
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
            var i = Start(s.Key, bigger.Length);
            while (bigger[i].Key != 0)
                if (++i == bigger.Length) i = 0;
            bigger[i] = s;
        }
        _slots = bigger;
    }

    /// <summary>Spreads the key (Fibonacci hashing; ids are sequential) and maps its high bits onto the table.</summary>
    private static int Start(long key, int length) =>
        (int)(((((ulong)key * 0x9E3779B97F4A7C15UL) >> 32) * (ulong)length) >> 32);
}
