using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Unicode;

namespace Kith.Core.Infrastructure;

/// <summary>
/// Strings kept as bytes in a few large shared blocks, each named by an int handle: a million short keys cost their
/// UTF-8 bytes plus a length byte instead of a million string objects (about 40 bytes each before the first
/// character), and the garbage collector sees a few hundred arrays instead of a million objects. Text is append-only;
/// a handle stays valid as long as the arena. Up to 2 GB of text; not thread-safe.
/// </summary>
/// <remarks>
/// A value is stored as UTF-8, or, when it is not valid UTF-16 (a lone surrogate, which UTF-8 cannot carry), as a 0xFF
/// marker (never a UTF-8 byte) followed by its UTF-16 code units, so two different strings never get the same bytes.
/// </remarks>
public sealed class TextArena
{
    private const int ChunkBits = 20;
    private const int ChunkSize = 1 << ChunkBits;
    private const int MaxChunks = 1 << (31 - ChunkBits);
    private const byte Utf16Marker = 0xFF;
    private readonly List<byte[]> _chunks = [];
    private int _used;

    /// <summary>Bytes held, for tests and measurements.</summary>
    public long Capacity => (long)_chunks.Sum(c => c.Length);

    /// <summary>Stores bytes and returns their handle (never 0).</summary>
    public int Add(ReadOnlySpan<byte> bytes)
    {
        var need = VarintLength(bytes.Length) + bytes.Length;
        byte[] chunk;
        if (_chunks.Count > 0 && need <= ChunkSize - _used) chunk = _chunks[^1];
        else
        {
            if (_chunks.Count >= MaxChunks) throw new InvalidOperationException("More than 2 GB of text in one arena.");
            // A value longer than a block gets a block of its own; the next value starts a fresh one.
            chunk = new byte[Math.Max(ChunkSize, need)];
            _chunks.Add(chunk);
            // Offset 0 of the first block is never handed out, so 0 can mean "no value" to callers.
            _used = _chunks.Count == 1 ? 1 : 0;
        }
        var handle = ((_chunks.Count - 1) << ChunkBits) | _used;
        var at = _used + WriteVarint(chunk.AsSpan(_used), bytes.Length);
        bytes.CopyTo(chunk.AsSpan(at));
        // After a block of its own (longer than ChunkSize), nothing fits and the next value opens a new block.
        _used = at + bytes.Length;
        return handle;
    }

    /// <summary>Stores a string and returns its handle (never 0).</summary>
    public int Add(ReadOnlySpan<char> text)
    {
        byte[]? rented = null;
        Span<byte> buffer = text.Length <= 256 ? stackalloc byte[768] : (rented = ArrayPool<byte>.Shared.Rent(text.Length * 3 + 1));
        try
        {
            return Add(buffer[..Encode(text, buffer)]);
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>The bytes stored under a handle.</summary>
    public ReadOnlySpan<byte> Bytes(int handle)
    {
        var chunk = _chunks[handle >> ChunkBits];
        var at = handle & (ChunkSize - 1);
        var length = ReadVarint(chunk, ref at);
        return chunk.AsSpan(at, length);
    }

    /// <summary>The string stored under a handle (a new string each call).</summary>
    public string GetString(int handle) => Decode(Bytes(handle));

    /// <summary>Writes the stored form of a string into a buffer of at least 3 bytes per char plus one; returns its length.</summary>
    public static int Encode(ReadOnlySpan<char> text, Span<byte> buffer)
    {
        if (Utf8.FromUtf16(text, buffer, out _, out var written, replaceInvalidSequences: false) == OperationStatus.Done) return written;
        buffer[0] = Utf16Marker;
        MemoryMarshal.AsBytes(text).CopyTo(buffer[1..]);
        return 1 + text.Length * 2;
    }

    /// <summary>The string a stored form holds.</summary>
    public static string Decode(ReadOnlySpan<byte> bytes) =>
        bytes.Length > 0 && bytes[0] == Utf16Marker ? new string(MemoryMarshal.Cast<byte, char>(bytes[1..])) : Encoding.UTF8.GetString(bytes);

    private static int VarintLength(int value)
    {
        var n = 1;
        while ((value >>= 7) != 0) n++;
        return n;
    }

    /// <summary>Writes a length in 7-bit groups (one byte below 128); returns the bytes written.</summary>
    internal static int WriteVarint(Span<byte> to, int value)
    {
        var n = 0;
        var v = (uint)value;
        while (v >= 0x80)
        {
            to[n++] = (byte)(v | 0x80);
            v >>= 7;
        }
        to[n++] = (byte)v;
        return n;
    }

    /// <summary>Reads what <see cref="WriteVarint"/> wrote, moving past it.</summary>
    internal static int ReadVarint(ReadOnlySpan<byte> from, ref int at)
    {
        var value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = from[at++];
            value |= (b & 0x7F) << shift;
            if (b < 0x80) return value;
        }
    }
}
