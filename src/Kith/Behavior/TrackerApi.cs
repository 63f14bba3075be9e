using System.Text.Json;
using Kith.Core.Behavior;
using Kith.Core.Infrastructure;
using Kith.Infrastructure;
using Microsoft.AspNetCore.Mvc;

namespace Kith.Behavior;

/// <summary>
/// POST /api/v1/track: the public endpoint the tracking snippet (/t.js) sends to from a business's website. No user
/// signs in: the site key in the query (?key=site_…) says which website it is, and the browser's Origin must be one the
/// key allows. CORS is answered only to those origins, so no other website can use the key from a browser.
/// </summary>
internal static class TrackerApi
{
    /// <summary>100 events with properties of a few KB each at most.</summary>
    private const long MaxBodyBytes = 1024 * 1024;

    public static RouteGroupBuilder MapTracker(this RouteGroupBuilder api)
    {
        api.MapPost("/track", TrackAsync).AllowAnonymous().WithTags("Events").WithName("Track")
            .WithMetadata(new RequestSizeLimitAttribute(MaxBodyBytes))
            .WithSummary("The tracking snippet's endpoint: ?key=SITE_KEY, body { visitorId, email?, identify?, events: [...] } as text/plain or JSON; " +
                         "only from the key's allowed origins; rate-limited per key and address.");
        api.MapMethods("/track", ["OPTIONS"], PreflightAsync).AllowAnonymous().ExcludeFromDescription();
        return api;
    }

    private static async Task<IResult> TrackAsync(HttpContext http, string? key, SiteKeyQueries keys, TrackEvents track, TrackerThrottle throttle, CancellationToken ct)
    {
        if (await AllowedAsync(http, key, keys, ct) is not { } site) return Results.Empty;
        if (throttle.Take(site.Id, http.ClientAddress()) is { } wait)
        {
            await KithAuthentication.WriteProblemAsync(http, 429, "Too many requests", "This website sent too many batches from your address; wait a moment.", wait);
            return Results.Empty;
        }
        // sendBeacon posts text/plain (a request browsers send without a preflight): the body is read as JSON whatever its type.
        JsonElement body;
        try
        {
            using var doc = await JsonDocument.ParseAsync(http.Request.Body, default, ct);
            body = doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            throw RuleViolation.Field("body", "The body is not JSON.");
        }
        return TypedResults.Ok(await track.HandleAsync(site, body, ct));
    }

    private static async Task<IResult> PreflightAsync(HttpContext http, string? key, SiteKeyQueries keys, CancellationToken ct)
    {
        if (await AllowedAsync(http, key, keys, ct) is null) return Results.Empty;
        http.Response.Headers.AccessControlAllowMethods = "POST";
        http.Response.Headers.AccessControlAllowHeaders = "Content-Type";
        http.Response.Headers.AccessControlMaxAge = "600";
        return Results.NoContent();
    }

    /// <summary>The live site key when the request's origin may use it (with the CORS answer set); otherwise writes a 403 and answers null.</summary>
    private static async Task<SiteKey?> AllowedAsync(HttpContext http, string? key, SiteKeyQueries keys, CancellationToken ct)
    {
        var site = string.IsNullOrEmpty(key) || key.Length > 100 ? null : await keys.ActiveAsync(key, ct);
        if (site is null)
        {
            await KithAuthentication.WriteProblemAsync(http, 403, "Forbidden", "Unknown or revoked site key.");
            return null;
        }
        string? origin = http.Request.Headers.Origin;
        http.Response.Headers.Vary = "Origin";
        if (origin is null || !site.Origins.Contains(origin, StringComparer.OrdinalIgnoreCase))
        {
            await KithAuthentication.WriteProblemAsync(http, 403, "Forbidden", "This site key may not be used from this origin.");
            return null;
        }
        http.Response.Headers.AccessControlAllowOrigin = origin;
        return site;
    }
}
