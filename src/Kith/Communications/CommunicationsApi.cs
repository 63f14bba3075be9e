using Kith.Core.Communications;
using Kith.Core.Infrastructure;
using Kith.Customers;
using Kith.Infrastructure;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kith.Communications;

/// <summary>
/// /api/v1/communications (log, read, change, delete; attachments) and the /channels and /outcomes lists.
/// A communication the caller may not read is 404 on every path, attachments included.
/// </summary>
internal static class CommunicationsApi
{
    public const string IdempotencyHeader = "Idempotency-Key";

    public static RouteGroupBuilder MapCommunications(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/communications").WithTags("Communications");
        g.MapPost("/", LogAsync).WithName("LogCommunication").Accepts<CommunicationInput>("application/json")
            .WithSummary("Logs a call, message, meeting or note on a customer: 201 with Location. With an Idempotency-Key header a retry answers 200 with the same record; the same key with a different body is 422.");
        g.MapGet("/{id:long}", GetAsync).WithName("GetCommunication").WithSummary("One communication with its participants and attachments.");
        g.MapPut("/{id:long}", UpdateAsync).WithName("UpdateCommunication").Accepts<CommunicationInput>("application/json")
            .WithSummary("Replaces what a communication says (every field of the input).");
        g.MapDelete("/{id:long}", DeleteAsync).WithName("DeleteCommunication").WithSummary("Removes a communication and its attachments.");
        g.MapPost("/{id:long}/attachments", AttachAsync).WithName("AddCommunicationAttachment")
            .WithSummary($"Attaches the request body as a file named by ?fileName= (at most {AttachmentStore.MaxBytes / 1024 / 1024} MB).");
        g.MapGet("/{id:long}/attachments/{attachmentId:long}", DownloadAsync).WithName("DownloadCommunicationAttachment")
            .WithSummary("An attachment, always as a download (application/octet-stream, Content-Disposition: attachment, nosniff).");
        g.MapDelete("/{id:long}/attachments/{attachmentId:long}", DeleteAttachmentAsync).WithName("DeleteCommunicationAttachment");

        foreach (var (path, kind) in new[] { ("/channels", ChoiceKind.Channel), ("/outcomes", ChoiceKind.Outcome) })
        {
            var c = api.MapGroup(path).WithTags("Communications");
            var noun = kind.ToString().ToLowerInvariant();
            c.MapGet("/", (bool? includeDisabled, CommunicationChoices choices, CancellationToken ct) => ListChoicesAsync(kind, includeDisabled, choices, ct))
                .WithName($"List{kind}s").WithSummary($"The {noun}s: key, English and Chinese names, enabled, order (includeDisabled=true for all).");
            c.MapPost("/", async (ChoiceInput input, Caller caller, CommunicationChoices choices, CancellationToken ct) =>
                {
                    var added = await choices.AddAsync(kind, input, await caller.ScopeAsync(ct), ct);
                    return TypedResults.Created($"/api/v1{path}/{added.Key}", added);
                }).WithName($"Add{kind}").WithSummary($"Adds a {noun} (admins).");
            c.MapPut("/{key}", async (string key, ChoiceInput input, Caller caller, CommunicationChoices choices, CancellationToken ct) =>
                    TypedResults.Ok(await choices.UpdateAsync(kind, key, input, await caller.ScopeAsync(ct), ct)))
                .WithName($"Update{kind}").WithSummary($"Renames, reorders, enables or disables a {noun} (admins); its key stays.");
        }
        return api;
    }

    private static async Task<Ok<IReadOnlyList<ChoiceItem>>> ListChoicesAsync(ChoiceKind kind, bool? includeDisabled, CommunicationChoices choices, CancellationToken ct) =>
        TypedResults.Ok(await choices.ListAsync(kind, includeDisabled == true, ct));

    private static async Task<Results<Created<CommunicationDetail>, Ok<CommunicationDetail>>> LogAsync(HttpContext http, Caller caller, LogCommunication log, CancellationToken ct)
    {
        var input = await RecordApi.ReadBodyAsync<CommunicationInput>(http.Request, ct);
        var key = http.Request.Headers.TryGetValue(IdempotencyHeader, out var values) ? values.ToString() : null;
        var logged = await log.HandleAsync(input, await caller.ScopeAsync(ct), ActorKind.Api, key, ct);
        if (!logged.Replayed) return TypedResults.Created($"/api/v1/communications/{logged.Communication.Id}", logged.Communication);
        http.Response.Headers["Idempotent-Replayed"] = "true";
        return TypedResults.Ok(logged.Communication);
    }

    private static async Task<Ok<CommunicationDetail>> GetAsync(long id, Caller caller, CommunicationQueries queries, CancellationToken ct) =>
        TypedResults.Ok(await queries.GetAsync(await caller.ScopeAsync(ct), id, ct));

    private static async Task<Ok<CommunicationDetail>> UpdateAsync(long id, HttpContext http, Caller caller, UpdateCommunication update, CancellationToken ct)
    {
        var input = await RecordApi.ReadBodyAsync<CommunicationInput>(http.Request, ct);
        return TypedResults.Ok(await update.HandleAsync(id, input, await caller.ScopeAsync(ct), ct));
    }

    private static async Task<NoContent> DeleteAsync(long id, Caller caller, DeleteCommunication delete, CancellationToken ct)
    {
        await delete.HandleAsync(id, await caller.ScopeAsync(ct), ct);
        return TypedResults.NoContent();
    }

    private static async Task<Created<AttachmentRef>> AttachAsync(long id, string? fileName, HttpContext http, Caller caller, AttachmentStore store, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(fileName)) throw RuleViolation.Field("fileName", "Name the file with ?fileName=.");
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = AttachmentStore.MaxBytes + 1;
        var added = await store.AddAsync(await caller.ScopeAsync(ct), id, fileName, http.Request.Body, ct);
        return TypedResults.Created($"/api/v1/communications/{id}/attachments/{added.Id}", added);
    }

    private static async Task DownloadAsync(long id, long attachmentId, HttpContext http, Caller caller, AttachmentStore store, CancellationToken ct) =>
        await SendAsync(http, await store.OpenAsync(await caller.ScopeAsync(ct), id, attachmentId, ct), ct);

    private static async Task<NoContent> DeleteAttachmentAsync(long id, long attachmentId, Caller caller, AttachmentStore store, CancellationToken ct)
    {
        await store.DeleteAsync(await caller.ScopeAsync(ct), id, attachmentId, ct);
        return TypedResults.NoContent();
    }

    /// <summary>
    /// The same download for the signed-in browser (cookie), since /api/v1 takes bearer tokens only (ADR-0003).
    /// </summary>
    public static IEndpointRouteBuilder MapAttachmentDownloads(this IEndpointRouteBuilder app)
    {
        app.MapGet("/communications/{id:long}/attachments/{attachmentId:long}", DownloadAsync).RequireAuthorization().ExcludeFromDescription();
        return app;
    }

    /// <summary>
    /// Whatever was uploaded goes out as opaque bytes to save: an HTML or SVG file opened from here would run in
    /// Kith's origin, so no type is ever sent that a browser would render, and nosniff stops it guessing one.
    /// </summary>
    private static async Task SendAsync(HttpContext http, AttachmentDownload file, CancellationToken ct)
    {
        await using var content = file.Content;
        http.Response.ContentType = "application/octet-stream";
        var disposition = new Microsoft.Net.Http.Headers.ContentDispositionHeaderValue("attachment");
        disposition.SetHttpFileName(file.FileName);
        http.Response.Headers.ContentDisposition = disposition.ToString();
        http.Response.Headers.XContentTypeOptions = "nosniff";
        http.Response.Headers.ContentSecurityPolicy = "default-src 'none'; sandbox";
        http.Response.Headers.CacheControl = "private, no-store";
        http.Response.ContentLength = file.Size;
        await content.CopyToAsync(http.Response.Body, ct);
    }
}
