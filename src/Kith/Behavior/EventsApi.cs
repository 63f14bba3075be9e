using System.Globalization;
using Kith.Core.Behavior;
using Kith.Core.Infrastructure;
using Kith.Customers;
using Kith.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Kith.Behavior;

/// <summary>
/// /api/v1/events: batches of behaviour events from the business's systems, and what waits for its customer.
/// The tracking snippet sends to its own public endpoint, /api/v1/track.
/// </summary>
internal static class EventsApi
{
    /// <summary>A full batch of 10,000 events with large properties is far above the host's 10 MB default.</summary>
    private const long MaxBodyBytes = 64L * 1024 * 1024;

    public static RouteGroupBuilder MapEvents(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/events").WithTags("Events");
        g.MapPost("/", IngestAsync).WithName("IngestEvents")
            .WithMetadata(new RequestSizeLimitAttribute(MaxBodyBytes))
            .WithSummary("Stores a batch of up to 10,000 behaviour events (a JSON array, or { \"events\": [...] }), idempotent by eventId. " +
                         "Answers accepted, duplicates, pending (customer not created yet) and errors per event (index, eventId, field, message).");
        g.MapGet("/pending", PendingAsync).WithName("PendingEvents")
            .WithSummary("Administrators: events waiting for their customer, counted by reference (external id, email, visitor), most first; limit 1-1000.");
        api.MapSiteKeys();
        api.MapTracker();
        return api;
    }

    private static async Task<Ok<IngestResult>> IngestAsync(HttpRequest request, Caller caller, IngestEvents ingest, CancellationToken ct)
    {
        var scope = await caller.ScopeAsync(ct);
        scope.EnsureCanCreate();
        using var body = await RecordApi.ReadDocumentAsync(request, ct);
        return TypedResults.Ok(await ingest.HandleAsync(body.RootElement, scope, ct));
    }

    private static async Task<Ok<PendingSummary>> PendingAsync(string? limit, Caller caller, PendingEventQueries queries, CancellationToken ct)
    {
        var n = 100;
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out n) || n is < 1 or > PendingEventQueries.MaxLimit))
            throw RuleViolation.Field("limit", $"limit must be a whole number from 1 to {PendingEventQueries.MaxLimit}.");
        return TypedResults.Ok(await queries.SummaryAsync(await caller.ScopeAsync(ct), n, ct));
    }
}
