using System.Globalization;
using Kith.Core.Communications;
using Kith.Core.Infrastructure;
using Kith.Core.Purchases;
using Kith.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kith.Purchases;

/// <summary>A customer's purchases (with totals) and communications, newest first, keyset-paged.</summary>
internal static class PurchasesApi
{
    public static RouteGroupBuilder MapCustomerActivity(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/customers").WithTags("Customers");
        g.MapGet("/{id:long}/purchases", PurchasesAsync).WithName("CustomerPurchases")
            .WithSummary("A customer's purchases, newest first, with totals: count, revenue per currency, first and last purchase.");
        g.MapGet("/{id:long}/communications", CommunicationsAsync).WithName("CustomerCommunications")
            .WithSummary("A customer's communications (calls, messages, meetings), newest first.");
        return api;
    }

    private static int Limit(string? limit, int max)
    {
        if (limit is null) return 50;
        if (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1 || n > max)
            throw RuleViolation.Field("limit", $"limit must be a whole number between 1 and {max}.");
        return n;
    }

    private static async Task<Ok<PurchasePage>> PurchasesAsync(long id, string? limit, string? cursor, Caller caller, PurchaseQueries queries, CancellationToken ct) =>
        TypedResults.Ok(await queries.ForCustomerAsync(await caller.ScopeAsync(ct), id, Limit(limit, PurchaseQueries.MaxLimit), cursor, ct));

    private static async Task<Ok<CommunicationPage>> CommunicationsAsync(long id, string? limit, string? cursor, Caller caller, CommunicationQueries queries, CancellationToken ct) =>
        TypedResults.Ok(await queries.ForCustomerAsync(await caller.ScopeAsync(ct), id, Limit(limit, CommunicationQueries.MaxLimit), cursor, ct));
}
