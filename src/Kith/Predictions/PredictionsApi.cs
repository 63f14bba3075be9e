using Kith.Core.Predictions;
using Kith.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kith.Predictions;

/// <summary>/api/v1/predictions and /api/v1/customers/{id}/predictions: churn risk and expected value.</summary>
internal static class PredictionsApi
{
    public static RouteGroupBuilder MapPredictions(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/predictions").WithTags("Predictions");
        g.MapGet("/models", ModelsAsync).WithName("PredictionModels")
            .WithSummary("The latest churn and value models: when trained, as of when, and how they did on held-out customers (auc; meanAbsoluteError) against a model that knows nothing (baselineMetric).");
        g.MapPost("/train", TrainAsync).WithName("TrainPredictions")
            .WithSummary("Trains both models on the history and scores every customer now (administrators and managers). Also runs every day on its own.");
        g.MapGet("/at-risk", AtRiskAsync).WithName("AtRiskCustomers")
            .WithSummary("The customers you reach most likely to lapse, riskiest first, with their reasons (limit 1-1000, default 50); 403 for a role that may not see behaviour.");
        api.MapGet("/customers/{id:long}/predictions", ForCustomerAsync).WithTags("Predictions").WithName("CustomerPredictions")
            .WithSummary("A customer's churn risk (0-1), expected value over the next 90 days and the reasons; 204 before the first training; 403 for a role that may not see behaviour.");
        return api;
    }

    private static async Task<Ok<IReadOnlyList<PredictionModelView>>> ModelsAsync(PredictionQueries queries, CancellationToken ct) =>
        TypedResults.Ok(await queries.ModelsAsync(ct));

    private static async Task<Ok<PredictionRun>> TrainAsync(Caller caller, TrainPredictions train, CancellationToken ct) =>
        TypedResults.Ok(await train.HandleAsync(await caller.ScopeAsync(ct), null, ct));

    private static async Task<Ok<IReadOnlyList<AtRiskCustomer>>> AtRiskAsync(string? limit, Caller caller, PredictionQueries queries, CancellationToken ct)
    {
        var n = 50;
        if (!string.IsNullOrEmpty(limit) && !int.TryParse(limit, out n))
            throw Kith.Core.Infrastructure.RuleViolation.Field("limit", "limit must be a whole number between 1 and 1000.");
        return TypedResults.Ok(await queries.AtRiskAsync(await caller.ScopeAsync(ct), n, ct));
    }

    private static async Task<Results<Ok<CustomerScoreView>, NoContent>> ForCustomerAsync(long id, Caller caller, PredictionQueries queries, CancellationToken ct) =>
        await queries.ForCustomerAsync(await caller.ScopeAsync(ct), id, ct) is { } score ? TypedResults.Ok(score) : TypedResults.NoContent();
}
