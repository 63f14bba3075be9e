using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Kith.Core.Infrastructure;
using Kith.Companies;
using Kith.Core.Listing;
using Kith.CustomFields;
using Kith.SavedViews;
using Kith.Settings;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Kith.Customers;

/// <summary>
/// The HTTP plumbing the record APIs share (customers, companies, custom fields, saved views, settings): reading a
/// JSON body so that every mistake in it is a 400 naming the field, the list query parameters, If-Match and ETag.
/// </summary>
internal static partial class RecordApi
{
    /// <summary>Reads the body as <typeparamref name="T"/> with the API's JSON rules; wrong types and unknown fields are 400s naming the field.</summary>
    public static async Task<T> ReadBodyAsync<T>(HttpRequest request, CancellationToken ct)
    {
        EnsureJson(request);
        var options = request.HttpContext.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        try
        {
            return await JsonSerializer.DeserializeAsync<T>(request.Body, options, ct)
                   ?? throw new RuleViolation("The request needs a JSON object body.", Errors("body", "Send a JSON object."));
        }
        catch (JsonException e)
        {
            throw FromJson(e);
        }
    }

    /// <summary>Reads the body of a PATCH as a JSON document (RFC 7386 merge patch).</summary>
    public static async Task<JsonElement> ReadPatchAsync(HttpRequest request, CancellationToken ct)
    {
        using var doc = await ReadDocumentAsync(request, ct);
        return doc.RootElement.Clone();
    }

    /// <summary>
    /// Reads the body as a JSON document the caller disposes: for a large body (a batch of events is megabytes) a clone
    /// of it would be a second copy on the large-object heap.
    /// </summary>
    public static async Task<JsonDocument> ReadDocumentAsync(HttpRequest request, CancellationToken ct)
    {
        EnsureJson(request);
        try
        {
            return await JsonDocument.ParseAsync(request.Body, default, ct);
        }
        catch (JsonException e)
        {
            throw FromJson(e);
        }
    }

    /// <summary>The list parameters; a limit that is not a whole number from 1 to 1000 is a 400.</summary>
    public static ListRequest ListRequest(string? q, string? filter, string? sort, string? limit, string? cursor)
    {
        var n = Core.Listing.ListRequest.DefaultLimit;
        if (!string.IsNullOrEmpty(limit) && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out n) || n is < 1 or > Core.Listing.ListRequest.MaxLimit))
            throw RuleViolation.Field("limit", $"limit must be a whole number from 1 to {Core.Listing.ListRequest.MaxLimit}.");
        return new ListRequest(q, filter, sort, n, string.IsNullOrEmpty(cursor) ? null : cursor);
    }

    /// <summary>The version named by If-Match ("3", W/"3"), or null when absent or "*". Anything else is a 400.</summary>
    public static int? IfMatch(HttpRequest request)
    {
        string? header = request.Headers.IfMatch;
        if (string.IsNullOrWhiteSpace(header) || header.Trim() == "*") return null;
        var m = EtagPattern().Match(header.Trim());
        if (!m.Success || !int.TryParse(m.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var version))
            throw RuleViolation.Field("If-Match", "If-Match must be the ETag of the record, such as \"3\".");
        return version;
    }

    public static void SetETag(HttpContext context, string etag) => context.Response.Headers.ETag = etag;

    private static void EnsureJson(HttpRequest request)
    {
        var type = request.ContentType ?? "";
        if (!type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) &&
            !type.StartsWith("application/merge-patch+json", StringComparison.OrdinalIgnoreCase))
            throw new RuleViolation("Send the body as JSON (Content-Type: application/json).", status: 415);
    }

    /// <summary>An unreadable JSON body as a 400 naming the field (an unknown one as "Unknown field").</summary>
    internal static RuleViolation FromJson(JsonException e)
    {
        var path = (e.Path ?? "$").TrimStart('$').TrimStart('.');
        var message = e.Message;
        var unknown = UnknownMemberPattern().Match(message);
        if (unknown.Success)
        {
            // The reader's path already ends at the unknown property; without one, the property is at the top.
            var name = path.Length > 0 ? path : unknown.Groups[1].Value;
            return new RuleViolation($"'{name}' is not a field of this record.", Errors(name, "Unknown field."));
        }
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        if (cut > 0) message = message[..cut];
        message = message.Replace("System.String", "text").Replace("System.Int32", "a whole number").Replace("System.Int64", "a whole number")
            .Replace("System.DateOnly", "a date (yyyy-MM-dd)").Replace("System.Nullable`1[", "").Replace("]", "");
        var field = path.Length > 0 ? path : "body";
        return new RuleViolation($"The JSON body could not be read at '{field}': {message}", Errors(field, message));
    }

    private static Dictionary<string, string[]> Errors(string field, string message) => new() { [field] = [message] };

    [GeneratedRegex("^(?:W/)?\"(\\d{1,9})\"$")]
    private static partial Regex EtagPattern();

    [GeneratedRegex("The JSON property '([^']*)' could not be mapped")]
    private static partial Regex UnknownMemberPattern();
}

/// <summary>One line in ApiRoutes for customers, companies and what they share.</summary>
internal static class RecordRoutes
{
    public static RouteGroupBuilder MapKithRecords(this RouteGroupBuilder api) => api
        .MapCustomers()
        .MapCompanies()
        .MapCustomFields()
        .MapSavedViews()
        .MapSettings();
}
