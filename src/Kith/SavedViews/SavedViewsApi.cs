using Kith.Core.SavedViews;
using Kith.Customers;
using Kith.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kith.SavedViews;

/// <summary>/api/v1/saved-views: the caller's own saved list views.</summary>
internal static class SavedViewsApi
{
    public static RouteGroupBuilder MapSavedViews(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/saved-views").WithTags("Saved views");
        g.MapGet("/", ListAsync).WithName("ListSavedViews").WithSummary("The caller's saved views (entity=customer|company to choose).");
        g.MapPost("/", SaveAsync).WithName("SaveView").Accepts<SavedViewInput>("application/json")
            .WithSummary("Saves a view; saving under an existing name replaces it.");
        g.MapDelete("/{id:long}", DeleteAsync).WithName("DeleteSavedView").WithSummary("Deletes one of the caller's saved views.");
        return api;
    }

    private static async Task<Ok<IReadOnlyList<SavedViewDetail>>> ListAsync(string? entity, Caller caller, SavedViewBook views, CancellationToken ct) =>
        TypedResults.Ok(await views.ListAsync(await caller.ScopeAsync(ct), string.IsNullOrEmpty(entity) ? null : entity.ToLowerInvariant(), ct));

    private static async Task<Ok<SavedViewDetail>> SaveAsync(HttpRequest request, Caller caller, SavedViewBook views, CancellationToken ct)
    {
        var input = await RecordApi.ReadBodyAsync<SavedViewInput>(request, ct);
        return TypedResults.Ok(await views.SaveAsync(input, await caller.ScopeAsync(ct), ct));
    }

    private static async Task<NoContent> DeleteAsync(long id, Caller caller, SavedViewBook views, CancellationToken ct)
    {
        await views.DeleteAsync(id, await caller.ScopeAsync(ct), ct);
        return TypedResults.NoContent();
    }
}
