using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Kith.Core.Audit;

/// <summary>
/// The chain: an entry's hash is SHA-256 of the previous entry's hash followed by the entry in canonical form (a JSON
/// array of its fields in a fixed order), as lower-case hex. Changing, removing or inserting any entry changes every
/// hash after it.
/// </summary>
public static class AuditHash
{
    public static string Of(string previousHash, AuditEntry e)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(512);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            json.WriteNumberValue(e.Sequence);
            json.WriteStringValue(e.At.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture));
            json.WriteStringValue(e.ActorKind.ToString());
            Number(json, e.ActorUserId);
            json.WriteStringValue(e.ActorEmail);
            Number(json, e.ActorTokenId);
            json.WriteStringValue(e.ClientAddress);
            json.WriteStringValue(e.Action);
            json.WriteStringValue(e.TargetType);
            json.WriteStringValue(e.TargetId);
            json.WriteStringValue(e.Details);
            json.WriteEndArray();
        }
        byte[] input = [.. Encoding.UTF8.GetBytes(previousHash), .. buffer.WrittenSpan];
        return Convert.ToHexStringLower(SHA256.HashData(input));
    }

    private static void Number(Utf8JsonWriter json, long? value)
    {
        if (value is { } v) json.WriteNumberValue(v);
        else json.WriteNullValue();
    }
}
