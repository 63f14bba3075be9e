using Kith.Core.Behavior;
using Kith.Customers;
using Kith.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kith.Behavior;

/// <summary>/api/v1/site-keys: administrators create, list and revoke the keys websites send tracked events with.</summary>
internal static class SiteKeysApi
{
    public static RouteGroupBuilder MapSiteKeys(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/site-keys").RequireAuthorization(KithAuthentication.AdminPolicy).WithTags("Events");
        g.MapGet("/", ListAsync).WithName("ListSiteKeys").WithSummary("Site keys, newest first, with their allowed origins.");
        g.MapPost("/", CreateAsync).WithName("CreateSiteKey").Accepts<SiteKeyInput>("application/json")
            .WithSummary("Creates a site key { name, allowedOrigins: [\"https://shop.example.com\"] }; answers it with the snippet to paste.");
        g.MapPost("/{id:long}/revoke", RevokeAsync).WithName("RevokeSiteKey").WithSummary("Revokes a site key at once.");
        return api;
    }

    public sealed record SiteKeyCreated(long Id, string Name, string Key, IReadOnlyList<string> AllowedOrigins, DateTime CreatedAt, string Snippet);

    private static async Task<Ok<List<SiteKeyItem>>> ListAsync(Caller caller, SiteKeyQueries queries, CancellationToken ct) =>
        TypedResults.Ok(await queries.ListAsync(await caller.ScopeAsync(ct), ct));

    private static async Task<Created<SiteKeyCreated>> CreateAsync(HttpRequest request, Caller caller, CreateSiteKey create, CancellationToken ct)
    {
        var input = await RecordApi.ReadBodyAsync<SiteKeyInput>(request, ct);
        var key = await create.HandleAsync(input, await caller.ScopeAsync(ct), ct);
        var kith = $"{request.Scheme}://{request.Host}";
        return TypedResults.Created($"/api/v1/site-keys/{key.Id}",
            new SiteKeyCreated(key.Id, key.Name, key.Key, key.AllowedOrigins, key.CreatedAt, key.Snippet(kith)));
    }

    private static async Task<Ok<SiteKeyItem>> RevokeAsync(long id, Caller caller, RevokeSiteKey revoke, CancellationToken ct) =>
        TypedResults.Ok(await revoke.HandleAsync(id, await caller.ScopeAsync(ct), ct));
}
