using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Kith.Core.SensitiveFields;

/// <summary>
/// Seals one value of a sensitive field with AES-256-GCM: <c>enc:v1:KEYID:base64(nonce | ciphertext | tag)</c>.
/// The associated data is the table, the field and the record id, so a sealed value copied to another record or
/// field does not open. Each value says whether it is sealed and with which key, so a half-finished conversion or
/// rotation still reads right. Lookups (the blind index of equality filters) are HMAC-SHA256 of the normalised
/// value under the ring's separate lookup key.
/// </summary>
public sealed class FieldCipher(FieldKeyRing ring)
{
    public const string Prefix = "enc:v1:";
    private const int NonceSize = 12;
    private const int TagSize = 16;

    public FieldKeyRing Ring => ring;

    public static bool IsSealed(string? value) => value is not null && value.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>The key id a sealed value names, or null for a plain value.</summary>
    public static string? KeyIdOf(string? value)
    {
        if (!IsSealed(value)) return null;
        var end = value!.IndexOf(':', Prefix.Length);
        return end < 0 ? null : value[Prefix.Length..end];
    }

    public static bool IsSealedWith(string? value, string keyId) =>
        value is not null && value.StartsWith(Prefix + keyId + ":", StringComparison.Ordinal);

    public string Seal(string plain, string table, string field, long recordId)
    {
        var keyId = ring.ActiveKeyId;
        var data = Encoding.UTF8.GetBytes(plain);
        var output = new byte[NonceSize + data.Length + TagSize];
        var nonce = output.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(ring.Key(keyId), TagSize);
        aes.Encrypt(nonce, data, output.AsSpan(NonceSize, data.Length), output.AsSpan(NonceSize + data.Length), Associated(table, field, recordId));
        return Prefix + keyId + ":" + Convert.ToBase64String(output);
    }

    /// <summary>The plain value: a plain value as it is, a sealed one opened; a clear error when it does not open here.</summary>
    public string Open(string value, string table, string field, long recordId)
    {
        if (!IsSealed(value)) return value;
        var keyId = KeyIdOf(value) ?? throw Unreadable(table, field, recordId, "it is not in a format this Kith reads");
        byte[] input;
        try
        {
            input = Convert.FromBase64String(value[(Prefix.Length + keyId.Length + 1)..]);
        }
        catch (FormatException)
        {
            throw Unreadable(table, field, recordId, "it is not in a format this Kith reads");
        }
        if (input.Length < NonceSize + TagSize) throw Unreadable(table, field, recordId, "it is truncated");
        var length = input.Length - NonceSize - TagSize;
        var plain = new byte[length];
        using var aes = new AesGcm(ring.Key(keyId), TagSize);
        try
        {
            aes.Decrypt(input.AsSpan(0, NonceSize), input.AsSpan(NonceSize, length), input.AsSpan(NonceSize + length), plain, Associated(table, field, recordId));
        }
        catch (AuthenticationTagMismatchException)
        {
            throw Unreadable(table, field, recordId, "it was sealed for another record or field, or altered");
        }
        return Encoding.UTF8.GetString(plain);
    }

    public string? OpenOrNull(string? value, string table, string field, long recordId) =>
        value is null ? null : Open(value, table, field, recordId);

    /// <summary>The blind index of a value: equal normalised values give equal lookups, and nothing else can be read from it.</summary>
    public string Lookup(string field, string normalised) =>
        Convert.ToBase64String(HMACSHA256.HashData(ring.LookupKey, Encoding.UTF8.GetBytes(field + "\n" + normalised)));

    /// <summary>How a value is normalised before its lookup: trimmed, and text lower-cased so that equality ignores case.</summary>
    public static string Normalise(string value) => value.Trim().ToLower(CultureInfo.InvariantCulture);

    private static byte[] Associated(string table, string field, long recordId) =>
        Encoding.UTF8.GetBytes(table + "\n" + field + "\n" + recordId.ToString(CultureInfo.InvariantCulture));

    private static SealedValueUnreadable Unreadable(string table, string field, long id, string why) =>
        new($"The {field} of {table} record {id} is encrypted but cannot be read: {why}. Restore the value from a backup or clear it.");
}
