using System.ComponentModel;
using Kith.Core.Analytics;
using Kith.Core.Infrastructure;
using Kith.Infrastructure;

namespace Kith.Analytics;

/// <summary>
/// /api/v1/analytics/…: the behaviour analyses and team dashboards, each over from/to and within the caller's reach.
/// Every analysis answers JSON, or its table as a file with format=csv or format=xlsx (<see cref="AnalyticsFile"/>). The
/// same handlers answer the signed-in browser under /analytics/export/… (the sign-in cookie; /api/v1 takes bearer
/// tokens only), which the page's download menus use.
/// </summary>
internal static class AnalyticsApi
{
    public static RouteGroupBuilder MapAnalytics(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/analytics").WithTags("Analytics");
        MapReads(g, "");
        g.MapPost("/rfm/recompute", RecomputeAsync).WithName("RecomputeRfm")
            .WithSummary("Recomputes and stores every customer's RFM scores and segment over from/to (default: the last 365 days); administrators and managers.");
        g.MapGet("/dashboard", DashboardAsync).WithName("GetDashboard")
            .WithSummary("A team's dashboard: team=sales|service|marketing, from, to, interval=day|week|month.");
        return api;
    }

    /// <summary>The CSV and XLSX downloads of the analytics page, for the sign-in cookie.</summary>
    public static IEndpointRouteBuilder MapAnalyticsDownloads(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/analytics/export").RequireAuthorization().ExcludeFromDescription();
        MapReads(g, "Download");
        return app;
    }

    private const string FileText =
        "JSON by default; format=csv or format=xlsx answers the result's table as a file (the analytics guide lists the columns). " +
        "CSV is UTF-8 with a byte order mark unless bom=false; XLSX writes counts, amounts and shares as numeric cells. " +
        "Text cells starting with =, +, -, @, a tab or a carriage return get a leading apostrophe.";

    private static void MapReads(RouteGroupBuilder g, string suffix)
    {
        g.MapGet("/rfm", RfmAsync).WithName("GetRfm" + suffix)
            .WithSummary("RFM segments of the customers you reach: the stored result, or with from/to another period scored on the fly (not stored).")
            .WithDescription(FileText);
        g.MapGet("/rfm/customers", RfmCustomersAsync).WithName("ListRfmCustomers" + suffix)
            .WithSummary("Stored RFM scores per customer you reach, best first: segment, limit (1-100000).")
            .WithDescription(FileText);
        g.MapGet("/cohorts", CohortsAsync).WithName("GetCohorts" + suffix)
            .WithSummary("Cohort retention by month: by=signup|first_purchase, event (a type, default any), from, to, refresh=true to retake the counts.")
            .WithDescription(FileText);
        g.MapGet("/funnel", FunnelAsync).WithName("GetFunnel" + suffix)
            .WithSummary("An ordered funnel: steps=access,like,purchase, windowDays (default 30), from, to.")
            .WithDescription(FileText);
        g.MapGet("/trends", TrendsAsync).WithName("GetTrends" + suffix)
            .WithSummary("Counts over time: metric=events|pages|communications|outcomes|purchases|revenue|new_customers|active_customers, interval=day|week|month, from, to.")
            .WithDescription(FileText);
        g.MapGet("/top", TopAsync).WithName("GetTopItems" + suffix)
            .WithSummary("Top products by revenue or pages by views: kind=products|pages, limit (1-100), from, to.")
            .WithDescription(FileText);
        g.MapGet("/heatmap", HeatmapAsync).WithName("GetActivityHeatmap" + suffix)
            .WithSummary("Events by weekday (Monday first) and hour, in UTC: event (a type, default all), from, to.")
            .WithDescription(FileText);
    }

    private static async Task<IResult> RfmAsync(string? from, string? to,
        [Description(AnalyticsFile.FormatText)] string? format, [Description(AnalyticsFile.BomText)] string? bom, Caller caller, Rfm rfm, TimeProvider clock, CancellationToken ct)
    {
        var file = AnalyticsFile.Parse(format, bom);
        var scope = await caller.ScopeAsync(ct);
        var summary = string.IsNullOrWhiteSpace(from) && string.IsNullOrWhiteSpace(to)
            ? await rfm.StoredAsync(scope, ct)
            : await rfm.LiveAsync(scope, AnalysisPeriod.Parse(from, to, clock), ct);
        return await file.AnswerAsync(summary, () => AnalyticsTables.Rfm(summary), ct);
    }

    private static async Task<IResult> RfmCustomersAsync(string? segment, string? limit,
        [Description(AnalyticsFile.FormatText)] string? format, [Description(AnalyticsFile.BomText)] string? bom, Caller caller, Rfm rfm, CancellationToken ct)
    {
        var file = AnalyticsFile.Parse(format, bom);
        var n = 1000;
        if (!string.IsNullOrWhiteSpace(limit) && (!int.TryParse(limit, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out n) || n is < 1 or > 100_000))
            throw RuleViolation.Field("limit", "limit must be a whole number from 1 to 100000.");
        var rows = await rfm.CustomersAsync(await caller.ScopeAsync(ct), string.IsNullOrWhiteSpace(segment) ? null : segment.Trim(), n, ct);
        return await file.AnswerAsync(rows, () => AnalyticsTables.RfmCustomers(rows), ct);
    }

    private static async Task<IResult> RecomputeAsync(string? from, string? to, Caller caller, Rfm rfm, TimeProvider clock, CancellationToken ct) =>
        TypedResults.Ok(await rfm.RecomputeAsync(await caller.ScopeAsync(ct), AnalysisPeriod.Parse(from, to, clock), null, ct));

    private static async Task<IResult> CohortsAsync(string? by, string? @event, string? from, string? to, string? refresh,
        [Description(AnalyticsFile.FormatText)] string? format, [Description(AnalyticsFile.BomText)] string? bom,
        Caller caller, CohortRetention cohorts, TimeProvider clock, CancellationToken ct)
    {
        var file = AnalyticsFile.Parse(format, bom);
        var basis = CohortRetention.ParseBy(by);
        var period = AnalysisPeriod.Parse(from, to, clock);
        var again = refresh?.Trim().ToLowerInvariant() switch
        {
            null or "" or "false" => false,
            "true" => true,
            _ => throw RuleViolation.Field("refresh", "refresh must be true or false."),
        };
        var table = await cohorts.HandleAsync(await caller.ScopeAsync(ct), basis, @event, period, again, ct);
        return await file.AnswerAsync(table, () => AnalyticsTables.Cohorts(table), ct);
    }

    private static async Task<IResult> FunnelAsync(string? steps, string? windowDays, string? from, string? to,
        [Description(AnalyticsFile.FormatText)] string? format, [Description(AnalyticsFile.BomText)] string? bom,
        Caller caller, Funnel funnel, TimeProvider clock, CancellationToken ct)
    {
        var file = AnalyticsFile.Parse(format, bom);
        var parsed = Funnel.ParseSteps(steps);
        var window = Funnel.ParseWindow(windowDays);
        var result = await funnel.HandleAsync(await caller.ScopeAsync(ct), parsed, window, AnalysisPeriod.Parse(from, to, clock), ct);
        return await file.AnswerAsync(result, () => AnalyticsTables.Funnel(result), ct);
    }

    private static async Task<IResult> TrendsAsync(string? metric, string? interval, string? from, string? to,
        [Description(AnalyticsFile.FormatText)] string? format, [Description(AnalyticsFile.BomText)] string? bom,
        Caller caller, Trends trends, TimeProvider clock, CancellationToken ct)
    {
        var file = AnalyticsFile.Parse(format, bom);
        var m = Trends.ParseMetric(metric);
        var i = AnalysisPeriod.ParseInterval(interval);
        var result = await trends.HandleAsync(await caller.ScopeAsync(ct), m, i, AnalysisPeriod.Parse(from, to, clock), ct);
        return await file.AnswerAsync(result, () => AnalyticsTables.Trend(result), ct);
    }

    private static async Task<IResult> TopAsync(string? kind, string? limit, string? from, string? to,
        [Description(AnalyticsFile.FormatText)] string? format, [Description(AnalyticsFile.BomText)] string? bom,
        Caller caller, TopItems top, TimeProvider clock, CancellationToken ct)
    {
        var file = AnalyticsFile.Parse(format, bom);
        var k = TopItems.ParseKind(kind);
        var n = TopItems.ParseLimit(limit);
        var result = await top.HandleAsync(await caller.ScopeAsync(ct), k, n, AnalysisPeriod.Parse(from, to, clock), ct);
        return await file.AnswerAsync(result, () => AnalyticsTables.Top(result), ct);
    }

    private static async Task<IResult> HeatmapAsync(string? @event, string? from, string? to,
        [Description(AnalyticsFile.FormatText)] string? format, [Description(AnalyticsFile.BomText)] string? bom,
        Caller caller, ActivityHeatmap heatmap, TimeProvider clock, CancellationToken ct)
    {
        var file = AnalyticsFile.Parse(format, bom);
        var result = await heatmap.HandleAsync(await caller.ScopeAsync(ct), @event, AnalysisPeriod.Parse(from, to, clock), ct);
        return await file.AnswerAsync(result, () => AnalyticsTables.Heatmap(result), ct);
    }

    private static async Task<IResult> DashboardAsync(string? team, string? from, string? to, string? interval,
        Caller caller, Dashboard dashboard, TimeProvider clock, CancellationToken ct)
    {
        var t = Dashboard.ParseTeam(team);
        var i = AnalysisPeriod.ParseInterval(interval);
        var period = AnalysisPeriod.Parse(from, to, clock);
        var scope = await caller.ScopeAsync(ct);
        return t switch
        {
            DashboardTeam.Sales => TypedResults.Ok(await dashboard.SalesAsync(scope, period, i, ct)),
            DashboardTeam.Service => TypedResults.Ok(await dashboard.ServiceAsync(scope, period, i, ct)),
            _ => TypedResults.Ok(await dashboard.MarketingAsync(scope, period, i, ct)),
        };
    }
}
