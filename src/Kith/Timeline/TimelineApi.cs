using System.Globalization;
using Kith.Core.Infrastructure;
using Kith.Core.Timeline;
using Kith.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kith.Timeline;

/// <summary>GET /api/v1/customers/{id}/timeline: one customer's communications, tasks, purchases, changes and behaviour, newest first.</summary>
internal static class TimelineApi
{
    public static RouteGroupBuilder MapTimeline(this RouteGroupBuilder api)
    {
        api.MapGet("/customers/{id:long}/timeline", TimelineAsync).WithTags("Customers").WithName("CustomerTimeline")
            .WithSummary("A customer's timeline, newest first: type (comma-separated: case, communication, task, purchase, change, behavior), channel (comma-separated), q (words in contents), limit (1-200) and cursor; answers items and nextCursor.");
        return api;
    }

    private static async Task<Ok<TimelinePage>> TimelineAsync(long id, string? type, string? channel, string? q, string? limit, string? cursor,
        Caller caller, CustomerTimeline timeline, CancellationToken ct)
    {
        var filter = new TimelineFilter(List(type), List(channel), q);
        return TypedResults.Ok(await timeline.PageAsync(await caller.ScopeAsync(ct), id, filter, cursor, Limit(limit), ct));
    }

    private static string[]? List(string? value) =>
        value?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(v => v.ToLowerInvariant()).ToArray();

    private static int Limit(string? limit)
    {
        if (limit is null) return CustomerTimeline.DefaultLimit;
        if (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1 || n > CustomerTimeline.MaxLimit)
            throw RuleViolation.Field("limit", $"limit must be a whole number between 1 and {CustomerTimeline.MaxLimit}.");
        return n;
    }
}
