using Kith.Core.Customers;
using Kith.Core.History;
using Kith.Core.Infrastructure;
using Kith.Core.Listing;
using Kith.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kith.Customers;

/// <summary>/api/v1/customers: the REST face of the customer handlers. Out of reach is 404 on every path.</summary>
internal static class CustomersApi
{
    public static RouteGroupBuilder MapCustomers(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/customers").WithTags("Customers");
        g.MapGet("/", ListAsync).WithName("ListCustomers")
            .WithSummary("Lists customers: search (q), filter, sort, limit (1-1000) and cursor; answers items, nextCursor, total and totalIsEstimate.");
        g.MapPost("/", CreateAsync).WithName("CreateCustomer").Accepts<CustomerInput>("application/json")
            .WithSummary("Creates a customer; answers 201 with its Location, ETag and body.");
        g.MapGet("/{id:long}", GetAsync).WithName("GetCustomer").WithSummary("One customer with every field, and its ETag.");
        g.MapPatch("/{id:long}", PatchAsync).WithName("PatchCustomer").Accepts<CustomerInput>("application/merge-patch+json", "application/json")
            .WithSummary("Changes a customer with a JSON merge patch (RFC 7386); honours If-Match (412 when stale).");
        g.MapDelete("/{id:long}", DeleteAsync).WithName("DeleteCustomer")
            .WithSummary("Moves a customer to the bin (restorable for 30 days); honours If-Match.");
        g.MapPost("/{id:long}/restore", RestoreAsync).WithName("RestoreCustomer").WithSummary("Takes a customer out of the bin.");
        g.MapGet("/{id:long}/history", HistoryAsync).WithName("CustomerHistory").WithSummary("Who changed what on a customer, newest first.");
        g.MapGet("/by-external-id/{externalId}", ByExternalIdAsync).WithName("GetCustomerByExternalId")
            .WithSummary("The customer with this id in the business's other systems.");
        g.MapGet("/deleted", DeletedAsync).WithName("DeletedCustomers").WithSummary("The bin: deleted customers that can still be restored.");
        return api;
    }

    private static async Task<Ok<ListPage<CustomerListItem>>> ListAsync(
        string? q, string? filter, string? sort, string? limit, string? cursor, Caller caller, CustomerQueries queries, CancellationToken ct)
    {
        var request = RecordApi.ListRequest(q, filter, sort, limit, cursor);
        return TypedResults.Ok(await queries.ListAsync(await caller.ScopeAsync(ct), request, ct));
    }

    private static async Task<Created<CustomerDetail>> CreateAsync(HttpContext http, Caller caller, CreateCustomer create,
        Kith.Core.Behavior.BehaviorQueries behavior, Kith.Core.Behavior.BehaviorRollup rollup, CancellationToken ct)
    {
        var input = await RecordApi.ReadBodyAsync<CustomerInput>(http.Request, ct);
        var detail = await create.HandleAsync(input, await caller.ScopeAsync(ct), ActorKind.Api, ct);
        // As GET answers: with the behaviour its pending events bring (they attach in the create's transaction).
        detail = detail with { Behavior = await behavior.AfterCreateAsync(detail.Id, rollup, ct) };
        RecordApi.SetETag(http, detail.ETag);
        return TypedResults.Created($"/api/v1/customers/{detail.Id}", detail);
    }

    private static async Task<Ok<CustomerDetail>> GetAsync(long id, HttpContext http, Caller caller, CustomerQueries queries,
        Kith.Core.Behavior.BehaviorQueries behavior, CancellationToken ct)
    {
        var detail = await queries.GetAsync(await caller.ScopeAsync(ct), id, ct);
        detail = detail with { Behavior = await behavior.SummaryAsync(detail.Id, ct) };
        RecordApi.SetETag(http, detail.ETag);
        return TypedResults.Ok(detail);
    }

    private static async Task<Ok<CustomerDetail>> PatchAsync(long id, HttpContext http, Caller caller, UpdateCustomer update, CancellationToken ct)
    {
        var expected = RecordApi.IfMatch(http.Request);
        var patch = await RecordApi.ReadPatchAsync(http.Request, ct);
        var detail = await update.PatchAsync(id, patch, expected, await caller.ScopeAsync(ct), ActorKind.Api, ct);
        RecordApi.SetETag(http, detail.ETag);
        return TypedResults.Ok(detail);
    }

    private static async Task<NoContent> DeleteAsync(long id, HttpContext http, Caller caller, DeleteCustomer delete, CancellationToken ct)
    {
        await delete.HandleAsync(id, RecordApi.IfMatch(http.Request), await caller.ScopeAsync(ct), ActorKind.Api, ct);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<CustomerDetail>> RestoreAsync(long id, HttpContext http, Caller caller, RestoreCustomer restore, CancellationToken ct)
    {
        var detail = await restore.HandleAsync(id, await caller.ScopeAsync(ct), ActorKind.Api, ct);
        RecordApi.SetETag(http, detail.ETag);
        return TypedResults.Ok(detail);
    }

    private static async Task<Ok<IReadOnlyList<HistoryEntry>>> HistoryAsync(long id, Caller caller, CustomerQueries queries, CancellationToken ct) =>
        TypedResults.Ok(await queries.HistoryAsync(await caller.ScopeAsync(ct), id, ct));

    private static async Task<Ok<CustomerDetail>> ByExternalIdAsync(string externalId, HttpContext http, Caller caller, CustomerQueries queries, CancellationToken ct)
    {
        var detail = await queries.GetByExternalIdAsync(await caller.ScopeAsync(ct), externalId, ct);
        RecordApi.SetETag(http, detail.ETag);
        return TypedResults.Ok(detail);
    }

    private static async Task<Ok<IReadOnlyList<CustomerListItem>>> DeletedAsync(Caller caller, CustomerQueries queries, CancellationToken ct) =>
        TypedResults.Ok(await queries.DeletedAsync(await caller.ScopeAsync(ct), ct));
}
