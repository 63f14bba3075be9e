using System.Globalization;
using Kith.Core.Customers;
using Kith.Core.Duplicates;
using Kith.Core.Infrastructure;
using Kith.Customers;
using Kith.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kith.Duplicates;

/// <summary>
/// /api/v1/duplicates, /api/v1/customers/{id}/merge and /api/v1/merges: the REST face of the duplicate handlers.
/// A pair or merge with either customer out of reach is 404 on every path.
/// </summary>
internal static class DuplicatesApi
{
    public static RouteGroupBuilder MapDuplicates(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/duplicates").WithTags("Duplicates");
        g.MapGet("/", ListAsync).WithName("ListDuplicates")
            .WithSummary("Lists open duplicate pairs whose customers you reach, highest score first: minScore (0-1), customerId, limit (1-1000) and cursor; answers items, nextCursor and total.");
        g.MapGet("/{id:long}", GetAsync).WithName("GetDuplicate").WithSummary("One duplicate pair with both customers in full.");
        g.MapPost("/scan", ScanAsync).WithName("ScanDuplicates")
            .WithSummary("Scans every live customer for duplicates (administrators and managers); answers what was found, added and removed.");
        g.MapPost("/{id:long}/dismiss", DismissAsync).WithName("DismissDuplicate")
            .WithSummary("Marks a pair as two different people; it stays dismissed on later scans.");
        api.MapPost("/customers/{id:long}/merge", MergeAsync).WithTags("Duplicates").WithName("MergeCustomers")
            .Accepts<MergeInput>("application/json")
            .WithSummary("Merges customer mergeId into this one, taking the fields named \"other\" from it; answers the survivor, its ETag and the merge's Location. Honours If-Match.");
        var merges = api.MapGroup("/merges").WithTags("Duplicates");
        merges.MapGet("/{id:long}", MergeViewAsync).WithName("GetMerge").WithSummary("One merge: who survived, who was merged, what moved, whether it was undone.");
        merges.MapPost("/{id:long}/undo", UndoAsync).WithName("UndoMerge")
            .WithSummary("Undoes a merge: both customers and their records as they were. 409 while a later merge builds on it.");
        return api;
    }

    private static async Task<Ok<DuplicatePage>> ListAsync(
        string? minScore, string? customerId, string? limit, string? cursor, Caller caller, DuplicateQueries queries, CancellationToken ct)
    {
        var request = new DuplicateListRequest(
            MinScore: ParseScore(minScore),
            Limit: ParseLimit(limit),
            Cursor: string.IsNullOrEmpty(cursor) ? null : cursor,
            CustomerId: ParseId(customerId, "customerId"));
        return TypedResults.Ok(await queries.ListAsync(await caller.ScopeAsync(ct), request, ct));
    }

    private static async Task<Ok<DuplicatePairDetail>> GetAsync(long id, Caller caller, DuplicateQueries queries, CancellationToken ct) =>
        TypedResults.Ok(await queries.GetAsync(await caller.ScopeAsync(ct), id, ct));

    private static async Task<Ok<DuplicateScanResult>> ScanAsync(Caller caller, FindDuplicates scan, CancellationToken ct) =>
        TypedResults.Ok(await scan.HandleAsync(await caller.ScopeAsync(ct), null, ct));

    private static async Task<Ok<DuplicatePairDetail>> DismissAsync(long id, Caller caller, DismissDuplicate dismiss, CancellationToken ct) =>
        TypedResults.Ok(await dismiss.HandleAsync(id, await caller.ScopeAsync(ct), ct));

    private static async Task<Ok<CustomerDetail>> MergeAsync(long id, HttpContext http, Caller caller, MergeCustomers merge, CancellationToken ct)
    {
        var expected = RecordApi.IfMatch(http.Request);
        var input = await RecordApi.ReadBodyAsync<MergeInput>(http.Request, ct);
        var outcome = await merge.HandleAsync(id, input, expected, await caller.ScopeAsync(ct), ActorKind.Api, ct);
        RecordApi.SetETag(http, outcome.Survivor.ETag);
        http.Response.Headers.Location = $"/api/v1/merges/{outcome.MergeId.ToString(CultureInfo.InvariantCulture)}";
        return TypedResults.Ok(outcome.Survivor);
    }

    private static async Task<Ok<CustomerMergeView>> MergeViewAsync(long id, Caller caller, DuplicateQueries queries, CancellationToken ct) =>
        TypedResults.Ok(await queries.MergeAsync(await caller.ScopeAsync(ct), id, ct));

    private static async Task<Ok<CustomerMergeView>> UndoAsync(long id, Caller caller, UndoMerge undo, CancellationToken ct) =>
        TypedResults.Ok(await undo.HandleAsync(id, await caller.ScopeAsync(ct), ActorKind.Api, ct));

    private static double ParseScore(string? text)
    {
        if (string.IsNullOrEmpty(text)) return 0;
        if (!double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var score) || score is < 0 or > 1)
            throw RuleViolation.Field("minScore", "minScore must be a number from 0 to 1, such as 0.9.");
        return score;
    }

    private static int ParseLimit(string? text)
    {
        if (string.IsNullOrEmpty(text)) return DuplicateListRequest.DefaultLimit;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n is < 1 or > DuplicateListRequest.MaxLimit)
            throw RuleViolation.Field("limit", $"limit must be a whole number from 1 to {DuplicateListRequest.MaxLimit}.");
        return n;
    }

    private static long? ParseId(string? text, string name)
    {
        if (string.IsNullOrEmpty(text)) return null;
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            throw RuleViolation.Field(name, $"{name} must be a customer id (a whole number).");
        return id;
    }
}
