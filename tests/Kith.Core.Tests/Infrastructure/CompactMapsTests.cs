using Kith.Core.Infrastructure;

namespace Kith.Core.Tests.Infrastructure;

/// <summary>The compact tables the importer keeps a million customers' keys in agree with a Dictionary on every key.</summary>
public sealed class CompactMapsTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1_000)]
    [InlineData(80_000)]
    public void TextMapFindsEveryKeyItWasGivenAndNoOther(int capacity)
    {
        var map = new TextMap<long>(capacity);
        var reference = new Dictionary<string, long>(StringComparer.Ordinal);
        var random = new Random(7);
        for (var i = 0; i < 50_000; i++)
        {
            var key = Key(random, i);
            Assert.Equal(reference.TryAdd(key, i), map.TryAdd(key, i));
        }
        Assert.Equal(reference.Count, map.Count);
        foreach (var (key, value) in reference)
        {
            Assert.True(map.TryGetValue(key, out var found), key);
            Assert.Equal(value, found);
        }
        for (var i = 0; i < 5_000; i++)
        {
            var key = "absent-" + Key(random, i);
            Assert.Equal(reference.ContainsKey(key), map.ContainsKey(key));
        }
    }

    [Fact]
    public void TextMapSetsReplaceAndTryAddKeepsTheFirstValue()
    {
        var map = new TextMap<int>();
        Assert.True(map.TryAdd("a@example.com", 1));
        Assert.False(map.TryAdd("a@example.com", 2));
        Assert.Equal(1, map["a@example.com"]);
        map["a@example.com"] = 3;
        map.GetValueRefOrAddDefault("b", out var existed) = 4;
        Assert.False(existed);
        Assert.Equal((3, 4, 2), (map["a@example.com"], map["b"], map.Count));
        Assert.Throws<KeyNotFoundException>(() => map["c"]);
    }

    [Fact]
    public void TextMapTellsApartStringsThatUtf8WouldConfuse()
    {
        // A lone surrogate has no UTF-8 form: encoding it lossily would make it the replacement character.
        var map = new TextMap<int>();
        map["x\uD800"] = 1;
        map["x\uFFFD"] = 2;
        map["x\uDC00"] = 3;
        map[""] = 4;
        map["张伟"] = 5;
        Assert.Equal((1, 2, 3, 4, 5), (map["x\uD800"], map["x\uFFFD"], map["x\uDC00"], map[""], map["张伟"]));
        Assert.False(map.ContainsKey("张"));
    }

    [Fact]
    public void TextArenaKeepsLongAndShortValuesWhole()
    {
        var arena = new TextArena();
        var huge = new string('é', 700_000);   // 1.4 MB of UTF-8: longer than a block
        var values = new[] { "", "a", new string('x', 300), huge, "張偉 \uD83D\uDE00", "lone \uDBFF", "after" };
        var handles = values.Select(v => arena.Add(v)).ToList();
        Assert.DoesNotContain(0, handles);
        for (var i = 0; i < values.Length; i++) Assert.Equal(values[i], arena.GetString(handles[i]));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1_000)]
    [InlineData(80_000)]
    public void IdMapFindsEveryIdItWasGiven(int capacity)
    {
        var map = new IdMap<int>(capacity);
        var reference = new Dictionary<long, int>();
        var random = new Random(11);
        for (var i = 0; i < 50_000; i++)
        {
            var id = i % 3 == 0 ? i + 1 : random.NextInt64(long.MinValue, long.MaxValue) | 1;
            map.GetValueRefOrAddDefault(id, out var existed) = i;
            Assert.Equal(reference.ContainsKey(id), existed);
            reference[id] = i;
        }
        Assert.Equal(reference.Count, map.Count);
        foreach (var (id, value) in reference)
        {
            Assert.True(map.TryGetValue(id, out var found));
            Assert.Equal(value, found);
        }
        Assert.False(map.ContainsKey(2));
        Assert.Throws<ArgumentOutOfRangeException>(() => map.GetValueRefOrAddDefault(0, out _));
    }

    private static string Key(Random random, int i) => (i % 4) switch
    {
        0 => i.ToString(System.Globalization.CultureInfo.InvariantCulture),
        1 => $"user{random.Next(100_000)}@example.com",
        2 => "+86 1" + random.NextInt64(1_000_000_000, 9_999_999_999),
        _ => new string((char)('一' + random.Next(2000)), random.Next(1, 4)),
    };
}
