using System.ComponentModel;
using System.Globalization;
using Kith.Analytics;
using Kith.Core.Analytics;
using Kith.Core.Feedback;
using Kith.Core.Infrastructure;
using Kith.Customers;
using Kith.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kith.Feedback;

/// <summary>
/// /api/v1/feedback: customers' CSAT and NPS answers, surveys sent by email, and the results. Feedback follows its
/// customer's reach: out of reach is 404, and absent from lists and totals.
/// </summary>
internal static class FeedbackApi
{
    public static RouteGroupBuilder MapFeedback(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/feedback").WithTags("Feedback");
        g.MapPost("/", RecordAsync).WithName("RecordFeedback").Accepts<FeedbackInput>("application/json")
            .WithSummary("Records a customer's answer: customerId, kind (csat 1-5 or nps 0-10), score, comment, optional communicationId, agentId (default you) and answeredAt.");
        g.MapGet("/", ListAsync).WithName("ListFeedback")
            .WithSummary("Answers newest first: customerId, agentId, kind, from, to, limit (1-500), cursor.");
        g.MapGet("/{id:long}", GetAsync).WithName("GetFeedback").WithSummary("One answer.");
        g.MapPost("/surveys", SendSurveyAsync).WithName("SendSurvey").Accepts<SurveyInput>("application/json")
            .WithSummary("Emails the customer a one-question survey (kind csat or nps, language en or zh-Hans) by system mail; its link answers once within 30 days.");
        g.MapGet("/surveys", SurveysAsync).WithName("ListSurveys").WithSummary("The surveys sent to a customer (customerId), newest first, and whether each was answered.");
        MapSummary(g, "GetFeedbackSummary");
        return api;
    }

    /// <summary>The summary's CSV or XLSX for the /feedback page's download menu, with the sign-in cookie.</summary>
    public static IEndpointRouteBuilder MapFeedbackDownloads(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/feedback/export").RequireAuthorization().ExcludeFromDescription();
        MapSummary(g, "DownloadFeedbackSummary");
        return app;
    }

    private static void MapSummary(RouteGroupBuilder g, string name) =>
        g.MapGet("/summary", SummaryAsync).WithName(name)
            .WithSummary("CSAT average and % satisfied (4-5), NPS (promoters minus detractors) and counts over from/to (default the last 365 days), groupBy=agent|customer|month; format=csv or xlsx for a file (bom=false: a CSV without the byte order mark).");

    private static async Task<Created<FeedbackView>> RecordAsync(HttpRequest request, Caller caller, RecordFeedback record, CancellationToken ct)
    {
        var input = await RecordApi.ReadBodyAsync<FeedbackInput>(request, ct);
        var view = await record.HandleAsync(input, await caller.ScopeAsync(ct), ActorKind.Api, ct);
        return TypedResults.Created($"/api/v1/feedback/{view.Id.ToString(CultureInfo.InvariantCulture)}", view);
    }

    private static async Task<Ok<FeedbackPage>> ListAsync(string? customerId, string? agentId, string? kind, string? from, string? to, string? limit, string? cursor,
        Caller caller, FeedbackQueries queries, TimeProvider clock, CancellationToken ct)
    {
        var period = string.IsNullOrWhiteSpace(from) && string.IsNullOrWhiteSpace(to) ? null : AnalysisPeriod.Parse(from, to, clock);
        var filter = new FeedbackFilter(ParseId(customerId, "customerId"), ParseId(agentId, "agentId"), ParseKind(kind), period?.From, period?.To);
        var n = FeedbackQueries.DefaultLimit;
        if (!string.IsNullOrEmpty(limit) && !int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out n))
            throw RuleViolation.Field("limit", $"limit must be a whole number from 1 to {FeedbackQueries.MaxLimit}.");
        return TypedResults.Ok(await queries.ListAsync(await caller.ScopeAsync(ct), filter, string.IsNullOrEmpty(cursor) ? null : cursor, n, ct));
    }

    private static async Task<Ok<FeedbackView>> GetAsync(long id, Caller caller, FeedbackQueries queries, CancellationToken ct) =>
        TypedResults.Ok(await queries.GetAsync(await caller.ScopeAsync(ct), id, ct));

    private static async Task<Created<SurveyView>> SendSurveyAsync(HttpRequest request, Caller caller, SendSurvey send, CancellationToken ct)
    {
        var input = await RecordApi.ReadBodyAsync<SurveyInput>(request, ct);
        var view = await send.HandleAsync(input, await caller.ScopeAsync(ct), ct);
        return TypedResults.Created($"/api/v1/feedback/surveys?customerId={view.CustomerId.ToString(CultureInfo.InvariantCulture)}", view);
    }

    private static async Task<Ok<List<SurveyView>>> SurveysAsync(string? customerId, Caller caller, FeedbackQueries queries, CancellationToken ct)
    {
        var id = ParseId(customerId, "customerId") ?? throw RuleViolation.Field("customerId", "customerId is required.");
        return TypedResults.Ok(await queries.SurveysAsync(await caller.ScopeAsync(ct), id, ct));
    }

    private static async Task<IResult> SummaryAsync(string? from, string? to, string? groupBy,
        [Description(AnalyticsFile.FormatText)] string? format, [Description(AnalyticsFile.BomText)] string? bom,
        Caller caller, SummarizeFeedback summarize, TimeProvider clock, CancellationToken ct)
    {
        var file = AnalyticsFile.Parse(format, bom);
        var summary = await summarize.HandleAsync(await caller.ScopeAsync(ct), AnalysisPeriod.Parse(from, to, clock), SummarizeFeedback.ParseGrouping(groupBy), ct);
        return await file.AnswerAsync(summary, summary.Table, ct);
    }

    private static long? ParseId(string? text, string name)
    {
        if (string.IsNullOrEmpty(text)) return null;
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            throw RuleViolation.Field(name, $"{name} must be an id (a whole number).");
        return id;
    }

    private static FeedbackKind? ParseKind(string? text) => (text ?? "").Trim().ToLowerInvariant() switch
    {
        "" => null,
        "csat" => FeedbackKind.Csat,
        "nps" => FeedbackKind.Nps,
        _ => throw RuleViolation.Field("kind", $"kind must be csat or nps, not '{text}'."),
    };
}
