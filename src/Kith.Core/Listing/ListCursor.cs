using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Kith.Core.Infrastructure;

namespace Kith.Core.Listing;

/// <summary>
/// Where the next page starts: the sort, the last row's sort value and id, a hash of the query it belongs to, and
/// the total counted on the first page (so deep pages never count again). Opaque base64url JSON to clients; its
/// values only ever become SQL parameters, and a cursor of another query or a damaged one is a 400.
/// </summary>
internal sealed record ListCursor(
    [property: JsonPropertyName("s")] string Sort,
    [property: JsonPropertyName("k")] char? ValueKind,
    [property: JsonPropertyName("v")] string? Value,
    [property: JsonPropertyName("i")] long LastId,
    [property: JsonPropertyName("h")] string QueryHash,
    [property: JsonPropertyName("t")] long Total,
    [property: JsonPropertyName("e")] bool Estimate)
{
    public string Encode() => Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(this))
        .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static ListCursor Decode(string cursor, string expectedHash)
    {
        ListCursor? parsed = null;
        try
        {
            if (cursor.Length <= 2000)
            {
                var s = cursor.Replace('-', '+').Replace('_', '/');
                s = s.PadRight(s.Length + (4 - s.Length % 4) % 4, '=');
                parsed = JsonSerializer.Deserialize<ListCursor>(Convert.FromBase64String(s));
            }
        }
        catch (Exception e) when (e is FormatException or JsonException or ArgumentException)
        {
            parsed = null;
        }
        if (parsed is null || parsed.Sort is null || parsed.QueryHash is null || (parsed.Value is null) != (parsed.ValueKind is null) ||
            (parsed.ValueKind is { } k && !"slmdDTb".Contains(k)))
            throw RuleViolation.Field("cursor", "The cursor is not one Kith made; start again from the first page.");
        if (parsed.QueryHash != expectedHash)
            throw RuleViolation.Field("cursor", "The cursor belongs to a different search, filter or sort; start again from the first page.");
        try
        {
            _ = parsed.ToParameter();
        }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
        {
            throw RuleViolation.Field("cursor", "The cursor is not one Kith made; start again from the first page.");
        }
        return parsed;
    }

    public static string Hash(string? q, string? filter, string sort)
    {
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes($"{q}\u0001{filter}\u0001{sort}"));
        return Convert.ToBase64String(bytes, 0, 9);
    }

    /// <summary>A value read from the database as the cursor keeps it: a kind letter and invariant text.</summary>
    public static (char? Kind, string? Value) FromDatabase(object? value) => value switch
    {
        null or DBNull => (null, null),
        string s => ('s', s),
        long or int or short => ('l', Convert.ToInt64(value, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture)),
        decimal m => ('m', m.ToString(CultureInfo.InvariantCulture)),
        double or float => ('d', Convert.ToDouble(value, CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture)),
        DateOnly d => ('D', d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
        DateTime t => ('T', t.Ticks.ToString(CultureInfo.InvariantCulture)),
        bool b => ('b', b ? "1" : "0"),
        _ => throw new InvalidOperationException($"A sort value of type {value.GetType().Name} cannot go in a cursor."),
    };

    /// <summary>The last sort value as a parameter of the same type it was read as, so the database compares it exactly.</summary>
    public object? ToParameter() => ValueKind switch
    {
        null => null,
        's' => Value!,
        'l' => long.Parse(Value!, CultureInfo.InvariantCulture),
        'm' => decimal.Parse(Value!, CultureInfo.InvariantCulture),
        'd' => double.Parse(Value!, CultureInfo.InvariantCulture),
        'D' => DateOnly.ParseExact(Value!, "yyyy-MM-dd", CultureInfo.InvariantCulture),
        'T' => new DateTime(long.Parse(Value!, CultureInfo.InvariantCulture), DateTimeKind.Utc),
        'b' => Value == "1",
        _ => throw new FormatException(),
    };
}
