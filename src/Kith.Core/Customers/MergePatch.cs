using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Kith.Core.Infrastructure;

namespace Kith.Core.Customers;

/// <summary>
/// RFC 7386 JSON merge patch onto an input model: the current record is written as the input's JSON, the patch
/// is merged into it (null removes) and the result is read back strictly, so a PATCH passes the same validation
/// as a full save. Fields the client may not set are refused by name before anything is merged.
/// </summary>
public static class MergePatch
{
    /// <summary>The same JSON rules as the API (camelCase, enums as camelCase strings, unknown members refused).</summary>
    public static JsonSerializerOptions Json { get; } = CreateJson();

    public static TInput Apply<TInput>(TInput current, JsonElement patch, IReadOnlyCollection<string> readOnlyFields)
    {
        if (patch.ValueKind != JsonValueKind.Object)
            throw new RuleViolation("A merge patch must be a JSON object.");
        var forbidden = patch.EnumerateObject().Select(p => p.Name).Where(readOnlyFields.Contains).ToList();
        if (forbidden.Count > 0)
            throw new RuleViolation("Some fields cannot be set.",
                forbidden.ToDictionary(f => f, f => new[] { $"'{f}' is set by Kith and cannot be changed." }));
        var target = JsonSerializer.SerializeToNode(current, Json)!;
        var merged = Merge(target, JsonNode.Parse(patch.GetRawText()));
        try
        {
            return merged.Deserialize<TInput>(Json) ?? throw new RuleViolation("The patch could not be read.");
        }
        catch (JsonException e)
        {
            var path = e.Path is { Length: > 2 } p ? p.TrimStart('$', '.') : "";
            var message = e.Message.Split(". Path:")[0] + ".";
            throw new RuleViolation($"The patch could not be read{(path.Length > 0 ? " at " + path : "")}: {message}",
                new Dictionary<string, string[]> { [path.Length > 0 ? path : "body"] = [message] });
        }
    }

    private static JsonNode? Merge(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject) return patch?.DeepClone();
        var result = target as JsonObject ?? new JsonObject();
        foreach (var (name, value) in patchObject)
        {
            if (value is null) result.Remove(name);
            else result[name] = Merge(result[name]?.DeepClone(), value);
        }
        return result;
    }

    private static JsonSerializerOptions CreateJson()
    {
        var o = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        };
        o.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false));
        return o;
    }
}
