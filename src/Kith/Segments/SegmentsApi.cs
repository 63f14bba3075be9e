using Kith.Core.Infrastructure;
using Kith.Core.Segments;
using Kith.Customers;
using Kith.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kith.Segments;

/// <summary>/api/v1/segments: dynamic segments of customers, their live count, membership refresh and changes.</summary>
internal static class SegmentsApi
{
    public static RouteGroupBuilder MapSegments(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/segments").WithTags("Segments");
        g.MapGet("/", ListAsync).WithName("ListSegments").WithSummary("Every segment, with how many of the customers you reach are in it.");
        g.MapPost("/", CreateAsync).WithName("CreateSegment").Accepts<SegmentInput>("application/json")
            .WithSummary("Creates a segment from a name and a customer filter (behaviour conditions and other segments allowed); its members are recorded at once.");
        g.MapPost("/count", CountAsync).WithName("CountSegment").Accepts<SegmentCountInput>("application/json")
            .WithSummary("How many customers you reach a filter matches, for a rule builder: { count, estimate }.");
        g.MapGet("/{id:long}", GetAsync).WithName("GetSegment").WithSummary("One segment.");
        g.MapPut("/{id:long}", UpdateAsync).WithName("UpdateSegment").Accepts<SegmentInput>("application/json")
            .WithSummary("Changes a segment (its creator or an administrator).");
        g.MapDelete("/{id:long}", DeleteAsync).WithName("DeleteSegment").WithSummary("Deletes a segment no other segment is built on.");
        g.MapPost("/{id:long}/refresh", RefreshAsync).WithName("RefreshSegment")
            .WithSummary("Records the segment's members now and who entered or left since the last refresh.");
        g.MapGet("/{id:long}/changes", ChangesAsync).WithName("SegmentChanges")
            .WithSummary("Customers you reach who entered or left the segment, newest first (limit 1-1000, default 100).");
        api.MapGet("/customers/{id:long}/segments", OfCustomerAsync).WithTags("Segments").WithName("CustomerSegments")
            .WithSummary("The segments the customer is in, as of each one's last refresh (those built on a field hidden from you are left out).");
        return api;
    }

    public sealed record SegmentCountInput(string? Filter);

    private static async Task<Ok<IReadOnlyList<SegmentDetail>>> ListAsync(Caller caller, SegmentQueries queries, CancellationToken ct) =>
        TypedResults.Ok(await queries.ListAsync(await caller.ScopeAsync(ct), ct));

    private static async Task<Ok<IReadOnlyList<CustomerSegmentItem>>> OfCustomerAsync(long id, Caller caller, SegmentQueries queries, CancellationToken ct) =>
        TypedResults.Ok(await queries.OfCustomerAsync(await caller.ScopeAsync(ct), id, ct));

    private static async Task<Ok<SegmentDetail>> GetAsync(long id, Caller caller, SegmentQueries queries, CancellationToken ct) =>
        TypedResults.Ok(await queries.GetAsync(await caller.ScopeAsync(ct), id, ct));

    private static async Task<Created<SegmentDetail>> CreateAsync(HttpRequest request, Caller caller, SaveSegment save, CancellationToken ct)
    {
        var input = await RecordApi.ReadBodyAsync<SegmentInput>(request, ct);
        var segment = await save.CreateAsync(input, await caller.ScopeAsync(ct), ct);
        return TypedResults.Created($"/api/v1/segments/{segment.Id}", segment);
    }

    private static async Task<Ok<SegmentDetail>> UpdateAsync(long id, HttpRequest request, Caller caller, SaveSegment save, CancellationToken ct)
    {
        var input = await RecordApi.ReadBodyAsync<SegmentInput>(request, ct);
        return TypedResults.Ok(await save.UpdateAsync(id, input, await caller.ScopeAsync(ct), ct));
    }

    private static async Task<NoContent> DeleteAsync(long id, Caller caller, SaveSegment save, CancellationToken ct)
    {
        await save.DeleteAsync(id, await caller.ScopeAsync(ct), ct);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<SegmentCount>> CountAsync(HttpRequest request, Caller caller, SegmentQueries queries, CancellationToken ct)
    {
        var input = await RecordApi.ReadBodyAsync<SegmentCountInput>(request, ct);
        return TypedResults.Ok(await queries.CountAsync(await caller.ScopeAsync(ct), input.Filter, ct));
    }

    private static async Task<Ok<SegmentDetail>> RefreshAsync(long id, Caller caller, RefreshSegment refresh, SegmentQueries queries, CancellationToken ct)
    {
        var scope = await caller.ScopeAsync(ct);
        await queries.GetAsync(scope, id, ct);
        await refresh.HandleAsync(id, ct);
        return TypedResults.Ok(await queries.GetAsync(scope, id, ct));
    }

    private static async Task<Ok<IReadOnlyList<SegmentChangeItem>>> ChangesAsync(long id, string? limit, Caller caller, SegmentQueries queries, CancellationToken ct)
    {
        var n = 100;
        if (!string.IsNullOrEmpty(limit) && !int.TryParse(limit, out n)) throw RuleViolation.Field("limit", "limit must be a whole number between 1 and 1000.");
        return TypedResults.Ok(await queries.ChangesAsync(await caller.ScopeAsync(ct), id, n, ct));
    }
}
