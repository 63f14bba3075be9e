using Kith.Core.Companies;
using Kith.Core.Customers;
using Kith.Customers;
using Kith.Core.History;
using Kith.Core.Infrastructure;
using Kith.Core.Listing;
using Kith.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kith.Companies;

/// <summary>/api/v1/companies: the REST face of the company handlers. Out of reach is 404 on every path.</summary>
internal static class CompaniesApi
{
    public static RouteGroupBuilder MapCompanies(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/companies").WithTags("Companies");
        g.MapGet("/", ListAsync).WithName("ListCompanies")
            .WithSummary("Lists companies: search (q), filter, sort, limit (1-1000) and cursor; answers items, nextCursor, total and totalIsEstimate.");
        g.MapPost("/", CreateAsync).WithName("CreateCompany").Accepts<CompanyInput>("application/json")
            .WithSummary("Creates a company; answers 201 with its Location, ETag and body.");
        g.MapGet("/{id:long}", GetAsync).WithName("GetCompany").WithSummary("One company with every field, and its ETag.");
        g.MapPatch("/{id:long}", PatchAsync).WithName("PatchCompany").Accepts<CompanyInput>("application/merge-patch+json", "application/json")
            .WithSummary("Changes a company with a JSON merge patch (RFC 7386); honours If-Match (412 when stale).");
        g.MapDelete("/{id:long}", DeleteAsync).WithName("DeleteCompany")
            .WithSummary("Moves a company to the bin (restorable for 30 days); honours If-Match.");
        g.MapPost("/{id:long}/restore", RestoreAsync).WithName("RestoreCompany").WithSummary("Takes a company out of the bin.");
        g.MapGet("/{id:long}/history", HistoryAsync).WithName("CompanyHistory").WithSummary("Who changed what on a company, newest first.");
        g.MapGet("/by-external-id/{externalId}", ByExternalIdAsync).WithName("GetCompanyByExternalId")
            .WithSummary("The company with this id in the business's other systems.");
        g.MapGet("/deleted", DeletedAsync).WithName("DeletedCompanies").WithSummary("The bin: deleted companies that can still be restored.");
        g.MapGet("/{id:long}/customers", CustomersAsync).WithName("CompanyCustomers")
            .WithSummary("The company's customers, with the same q, filter, sort, limit and cursor as the customer list.");
        return api;
    }

    private static async Task<Ok<ListPage<CustomerListItem>>> CustomersAsync(
        long id, string? q, string? filter, string? sort, string? limit, string? cursor, Caller caller, CompanyQueries queries, CancellationToken ct)
    {
        var request = RecordApi.ListRequest(q, filter, sort, limit, cursor);
        return TypedResults.Ok(await queries.CustomersAsync(await caller.ScopeAsync(ct), id, request, ct));
    }

    private static async Task<Ok<ListPage<CompanyListItem>>> ListAsync(
        string? q, string? filter, string? sort, string? limit, string? cursor, Caller caller, CompanyQueries queries, CancellationToken ct)
    {
        var request = RecordApi.ListRequest(q, filter, sort, limit, cursor);
        return TypedResults.Ok(await queries.ListAsync(await caller.ScopeAsync(ct), request, ct));
    }

    private static async Task<Created<CompanyDetail>> CreateAsync(HttpContext http, Caller caller, CreateCompany create, CancellationToken ct)
    {
        var input = await RecordApi.ReadBodyAsync<CompanyInput>(http.Request, ct);
        var detail = await create.HandleAsync(input, await caller.ScopeAsync(ct), ActorKind.Api, ct);
        RecordApi.SetETag(http, detail.ETag);
        return TypedResults.Created($"/api/v1/companies/{detail.Id}", detail);
    }

    private static async Task<Ok<CompanyDetail>> GetAsync(long id, HttpContext http, Caller caller, CompanyQueries queries, CancellationToken ct)
    {
        var detail = await queries.GetAsync(await caller.ScopeAsync(ct), id, ct);
        RecordApi.SetETag(http, detail.ETag);
        return TypedResults.Ok(detail);
    }

    private static async Task<Ok<CompanyDetail>> PatchAsync(long id, HttpContext http, Caller caller, UpdateCompany update, CancellationToken ct)
    {
        var expected = RecordApi.IfMatch(http.Request);
        var patch = await RecordApi.ReadPatchAsync(http.Request, ct);
        var detail = await update.PatchAsync(id, patch, expected, await caller.ScopeAsync(ct), ActorKind.Api, ct);
        RecordApi.SetETag(http, detail.ETag);
        return TypedResults.Ok(detail);
    }

    private static async Task<NoContent> DeleteAsync(long id, HttpContext http, Caller caller, DeleteCompany delete, CancellationToken ct)
    {
        await delete.HandleAsync(id, RecordApi.IfMatch(http.Request), await caller.ScopeAsync(ct), ActorKind.Api, ct);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<CompanyDetail>> RestoreAsync(long id, HttpContext http, Caller caller, RestoreCompany restore, CancellationToken ct)
    {
        var detail = await restore.HandleAsync(id, await caller.ScopeAsync(ct), ActorKind.Api, ct);
        RecordApi.SetETag(http, detail.ETag);
        return TypedResults.Ok(detail);
    }

    private static async Task<Ok<IReadOnlyList<HistoryEntry>>> HistoryAsync(long id, Caller caller, CompanyQueries queries, CancellationToken ct) =>
        TypedResults.Ok(await queries.HistoryAsync(await caller.ScopeAsync(ct), id, ct));

    private static async Task<Ok<CompanyDetail>> ByExternalIdAsync(string externalId, HttpContext http, Caller caller, CompanyQueries queries, CancellationToken ct)
    {
        var detail = await queries.GetByExternalIdAsync(await caller.ScopeAsync(ct), externalId, ct);
        RecordApi.SetETag(http, detail.ETag);
        return TypedResults.Ok(detail);
    }

    private static async Task<Ok<IReadOnlyList<CompanyListItem>>> DeletedAsync(Caller caller, CompanyQueries queries, CancellationToken ct) =>
        TypedResults.Ok(await queries.DeletedAsync(await caller.ScopeAsync(ct), ct));
}
