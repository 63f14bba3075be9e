using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Kith.Tests.Identity;

/// <summary>
/// An authenticator app in a few lines of RFC 6238 (HMAC-SHA1, 6 digits, 30 seconds), written apart from the server's
/// library so the tests check Kith against the standard rather than against itself.
/// </summary>
public static class Authenticator
{
    public static string Code(string base32Key, DateTimeOffset at)
    {
        Span<byte> counter = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(counter, at.ToUnixTimeSeconds() / 30);
        var hash = HMACSHA1.HashData(Base32(base32Key), counter);
        var offset = hash[^1] & 0x0f;
        var value = (BinaryPrimitives.ReadInt32BigEndian(hash.AsSpan(offset)) & 0x7fffffff) % 1_000_000;
        return value.ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The code of now, as a phone shows it.</summary>
    public static string Now(string base32Key) => Code(base32Key, DateTimeOffset.UtcNow);

    /// <summary>
    /// The code of the next 30 seconds, which the server accepts (clocks drift) and which is newer than any code used
    /// before it in the test: each code is accepted once, so a second sign-in in the same half-minute needs it.
    /// </summary>
    public static string Next(string base32Key) => Code(base32Key, DateTimeOffset.UtcNow.AddSeconds(30));

    private static byte[] Base32(string text)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var bits = 0;
        var buffer = 0;
        var bytes = new List<byte>();
        foreach (var c in text.TrimEnd('=').ToUpperInvariant())
        {
            buffer = (buffer << 5) | alphabet.IndexOf(c);
            bits += 5;
            if (bits >= 8)
            {
                bytes.Add((byte)(buffer >> (bits - 8)));
                bits -= 8;
            }
        }
        return bytes.ToArray();
    }
}
