using Kith.Core.Infrastructure;
using Kith.Core.Privacy;
using Kith.Customers;
using Kith.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kith.Privacy;

/// <summary>A request to erase: the customer's name typed again, when the caller wants Kith to check it (the page always does).</summary>
public sealed record EraseRequest(string? ConfirmName);

/// <summary>Personal data export, erasure, consents, and the admin's privacy settings and retention. Out of reach is 404.</summary>
internal static class PrivacyApi
{
    public static RouteGroupBuilder MapPrivacy(this RouteGroupBuilder api)
    {
        var customers = api.MapGroup("/customers").WithTags("Privacy");
        customers.MapGet("/{id:long}/personal-data", ExportAsync).WithName("ExportPersonalData")
            .WithSummary("Everything Kith holds about the person as a zip: personal-data.json, one CSV per kind, attachments/.")
            .Produces(StatusCodes.Status200OK, typeof(Stream), "application/zip");
        customers.MapPost("/{id:long}/erase", EraseAsync).WithName("ErasePerson")
            .WithSummary("Erases the person everywhere (admins, or roles the privacy settings allow); body { confirmName } optional. Leaves only a keyed hash of their email, phone and external id.");
        customers.MapGet("/{id:long}/consents", ConsentsAsync).WithName("CustomerConsents")
            .WithSummary("The current consent per purpose and the whole history, newest first.");
        customers.MapPost("/{id:long}/consents", RecordConsentAsync).WithName("RecordConsent").Accepts<ConsentInput>("application/json")
            .WithSummary("Records a consent given or withdrawn: purpose, status (granted, withdrawn), legalBasis, source (form, import, api, ui; default api), at, note.");
        api.MapGet("/consent-purposes", PurposesAsync).WithTags("Privacy").WithName("ConsentPurposes")
            .WithSummary("The purposes consent is recorded for: marketing_email, sms, tracking and those an admin added.");
        var admin = api.MapGroup("/privacy").WithTags("Privacy");
        admin.MapGet("/settings", SettingsAsync).WithName("PrivacySettings").WithSummary("Who may erase, what an import does with an erased person, purposes and retention (admins).");
        admin.MapPut("/settings", UpdateSettingsAsync).WithName("UpdatePrivacySettings").Accepts<PrivacySettingsModel>("application/json")
            .WithSummary("Changes the privacy settings (admins).");
        admin.MapGet("/retention", RetentionPreviewAsync).WithName("RetentionPreview").WithSummary("A dry run: how many rows of each kind are past their maximum age (admins).");
        admin.MapPost("/retention/purge", PurgeAsync).WithName("RetentionPurge").WithSummary("Removes what is past its maximum age now, as the daily worker does (admins).");
        admin.MapGet("/erasures", ErasuresAsync).WithName("Erasures").WithSummary("Erasures made, newest first: who, when, how many rows of each kind — never the person (admins).");
        return api;
    }

    /// <summary>The export for the signed-in browser, linked from the customer page.</summary>
    public static IEndpointRouteBuilder MapPersonalDataDownloads(this IEndpointRouteBuilder app)
    {
        app.MapGet("/customers/{id:long}/personal-data", ExportAsync).RequireAuthorization().ExcludeFromDescription();
        return app;
    }

    private static async Task<FileStreamHttpResult> ExportAsync(long id, Caller caller, ExportPersonalData export, CancellationToken ct)
    {
        var zip = await export.HandleAsync(await caller.ScopeAsync(ct), id, ct);
        return TypedResults.File(zip, "application/zip", $"personal-data-{id}.zip");
    }

    private static async Task<Ok<ErasureResult>> EraseAsync(long id, HttpContext http, Caller caller, ErasePerson erase, CancellationToken ct)
    {
        var body = http.Request.ContentLength is > 0 || http.Request.ContentType is not null ? await RecordApi.ReadBodyAsync<EraseRequest>(http.Request, ct) : new EraseRequest(null);
        return TypedResults.Ok(await erase.HandleAsync(await caller.ScopeAsync(ct), id, body.ConfirmName, "api", ct));
    }

    private static async Task<Ok<CustomerConsentsView>> ConsentsAsync(long id, Caller caller, CustomerConsents consents, CancellationToken ct) =>
        TypedResults.Ok(await consents.GetAsync(await caller.ScopeAsync(ct), id, ct));

    private static async Task<Created<ConsentView>> RecordConsentAsync(long id, HttpContext http, Caller caller, CustomerConsents consents, CancellationToken ct)
    {
        var input = await RecordApi.ReadBodyAsync<ConsentInput>(http.Request, ct);
        var view = await consents.RecordAsync(await caller.ScopeAsync(ct), id, input, ConsentSource.Api, ActorKind.Api, ct);
        return TypedResults.Created($"/api/v1/customers/{id}/consents", view);
    }

    private static async Task<Ok<IReadOnlyList<ConsentPurpose>>> PurposesAsync(PrivacySettings settings, CancellationToken ct) =>
        TypedResults.Ok(await ConsentPurposes.AllAsync(settings, ct));

    private static async Task<Ok<PrivacySettingsModel>> SettingsAsync(Caller caller, PrivacySettings settings, CancellationToken ct)
    {
        EnsureAdmin(await caller.ScopeAsync(ct));
        return TypedResults.Ok(await settings.GetAsync(ct));
    }

    private static async Task<Ok<PrivacySettingsModel>> UpdateSettingsAsync(HttpContext http, Caller caller, PrivacySettings settings, CancellationToken ct)
    {
        var input = await RecordApi.ReadBodyAsync<PrivacySettingsModel>(http.Request, ct);
        return TypedResults.Ok(await settings.UpdateAsync(input, await caller.ScopeAsync(ct), ct));
    }

    private static async Task<Ok<PurgeResult>> RetentionPreviewAsync(Caller caller, PurgeExpiredData purge, CancellationToken ct)
    {
        EnsureAdmin(await caller.ScopeAsync(ct));
        return TypedResults.Ok(await purge.RunAsync(dryRun: true, ct));
    }

    private static async Task<Ok<PurgeResult>> PurgeAsync(Caller caller, PurgeExpiredData purge, CancellationToken ct)
    {
        EnsureAdmin(await caller.ScopeAsync(ct));
        return TypedResults.Ok(await purge.RunAsync(dryRun: false, ct));
    }

    private static async Task<Ok<IReadOnlyList<ErasureListItem>>> ErasuresAsync(Caller caller, ErasureQueries queries, CancellationToken ct) =>
        TypedResults.Ok(await queries.RecentAsync(await caller.ScopeAsync(ct), 100, ct));

    private static void EnsureAdmin(Core.Identity.AccessScope scope)
    {
        if (!scope.IsAdmin) throw new Forbidden("Only an administrator may do this.");
    }
}
