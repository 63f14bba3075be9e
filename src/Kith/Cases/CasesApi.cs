using System.Globalization;
using Kith.Core.Cases;
using Kith.Core.Infrastructure;
using Kith.Customers;
using Kith.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kith.Cases;

/// <summary>/api/v1/cases: service cases, their conversation and the SLA targets. A case on a customer out of reach is 404.</summary>
internal static class CasesApi
{
    public static RouteGroupBuilder MapCases(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/cases").WithTags("Cases");
        g.MapGet("/", ListAsync).WithName("ListCases")
            .WithSummary("Cases newest first: status and priority (comma-separated), assigneeId (or 'none'), customerId, breached (true/false), q (subject words or #number), limit (1-200) and cursor; answers items and nextCursor.");
        g.MapPost("/", OpenAsync).WithName("OpenCase").Accepts<CaseInput>("application/json")
            .WithSummary("Opens a case: subject and customerId are required; companyId, priority (low, normal, high, urgent) and assigneeId are optional. The SLA due time follows from the priority.");
        g.MapGet("/sla-targets", SlaAsync).WithName("CaseSlaTargets").WithSummary("Hours a case of each priority may stay unresolved.");
        g.MapPut("/sla-targets", UpdateSlaAsync).WithName("UpdateCaseSlaTargets").Accepts<SlaTargets>("application/json")
            .WithSummary("Changes the SLA targets (administrators): urgentHours, highHours, normalHours, lowHours, each 1 to 8760.");
        g.MapGet("/{id:long}", GetAsync).WithName("GetCase").WithSummary("One case with its communications and its history of changes.");
        g.MapPatch("/{id:long}", PatchAsync).WithName("UpdateCase").Accepts<CaseInput>("application/merge-patch+json")
            .WithSummary("Changes a case (RFC 7386 merge patch): subject, customerId, companyId, priority, assigneeId (null unassigns) and status along its allowed moves.");
        g.MapPost("/{id:long}/communications", LinkAsync).WithName("LinkCaseCommunication").Accepts<CaseLinkInput>("application/json")
            .WithSummary("Adds a communication with the case's customer to the case: { communicationId }. One on another case is 409.");
        g.MapPost("/{id:long}/replies", ReplyAsync).WithName("ReplyToCase").Accepts<CaseReplyInput>("application/json")
            .WithSummary("Logs a reply to the customer on the case (content, channel, optional status); it is the case's first response when it is the first.");
        api.MapPost("/communications/{id:long}/case", FromCommunicationAsync).WithTags("Cases").WithName("OpenCaseFromCommunication")
            .Accepts<CaseFromCommunicationInput>("application/json")
            .WithSummary("Turns a communication into a case on its customer: optional subject (default: the communication's), priority and assigneeId.");
        api.MapGet("/communications/{id:long}/case", CaseOfCommunicationAsync).WithTags("Cases").WithName("CaseOfCommunication")
            .WithSummary("The case a communication belongs to; 404 when it belongs to none.");
        return api;
    }

    private static async Task<Ok<CasePage>> ListAsync(string? status, string? priority, string? assigneeId, string? customerId, string? breached, string? q,
        string? limit, string? cursor, Caller caller, CaseQueries queries, CancellationToken ct) =>
        TypedResults.Ok(await queries.ListAsync(await caller.ScopeAsync(ct), Filter(status, priority, assigneeId, customerId, breached, q), cursor, Limit(limit), ct));

    /// <summary>The list's filter from its query parameters, for the list and its export alike.</summary>
    internal static CaseFilter Filter(string? status, string? priority, string? assigneeId, string? customerId, string? breached, string? q)
    {
        var unassigned = assigneeId is "none";
        return new CaseFilter(Enums<CaseStatus>(status, "status"), Enums<CasePriority>(priority, "priority"),
            unassigned ? null : Id(assigneeId, "assigneeId"), unassigned, Id(customerId, "customerId"), Flag(breached, "breached"), q);
    }

    private static async Task<Created<CaseDetail>> OpenAsync(HttpContext http, Caller caller, OpenCase open, CancellationToken ct)
    {
        var input = await RecordApi.ReadBodyAsync<CaseInput>(http.Request, ct);
        var opened = await open.HandleAsync(input, await caller.ScopeAsync(ct), ActorKind.Api, ct);
        return TypedResults.Created($"/api/v1/cases/{opened.Id}", opened);
    }

    private static async Task<Ok<CaseDetail>> GetAsync(long id, Caller caller, CaseQueries queries, CancellationToken ct) =>
        TypedResults.Ok(await queries.GetAsync(await caller.ScopeAsync(ct), id, ct));

    private static async Task<Ok<CaseDetail>> PatchAsync(long id, HttpContext http, Caller caller, UpdateCase update, CancellationToken ct)
    {
        var patch = await RecordApi.ReadPatchAsync(http.Request, ct);
        return TypedResults.Ok(await update.PatchAsync(id, patch, await caller.ScopeAsync(ct), ActorKind.Api, ct));
    }

    private static async Task<Ok<CaseDetail>> LinkAsync(long id, HttpContext http, Caller caller, LinkCaseCommunication link, CancellationToken ct)
    {
        var input = await RecordApi.ReadBodyAsync<CaseLinkInput>(http.Request, ct);
        return TypedResults.Ok(await link.HandleAsync(id, input, await caller.ScopeAsync(ct), ct));
    }

    private static async Task<Ok<CaseDetail>> ReplyAsync(long id, HttpContext http, Caller caller, ReplyToCase reply, CancellationToken ct)
    {
        var input = await RecordApi.ReadBodyAsync<CaseReplyInput>(http.Request, ct);
        return TypedResults.Ok(await reply.HandleAsync(id, input, await caller.ScopeAsync(ct), ActorKind.Api, ct));
    }

    private static async Task<Created<CaseDetail>> FromCommunicationAsync(long id, HttpContext http, Caller caller, OpenCase open, CancellationToken ct)
    {
        var input = http.Request.ContentLength is 0 or null && !http.Request.Headers.ContentType.Any()
            ? new CaseFromCommunicationInput()
            : await RecordApi.ReadBodyAsync<CaseFromCommunicationInput>(http.Request, ct);
        var opened = await open.FromCommunicationAsync(id, input, await caller.ScopeAsync(ct), ActorKind.Api, ct);
        return TypedResults.Created($"/api/v1/cases/{opened.Id}", opened);
    }

    private static async Task<Ok<CaseListItem>> CaseOfCommunicationAsync(long id, Caller caller, CaseQueries queries, CancellationToken ct) =>
        TypedResults.Ok(await queries.ForCommunicationAsync(await caller.ScopeAsync(ct), id, ct) ?? throw new Kith.Core.Infrastructure.NotFound("Case"));

    private static async Task<Ok<SlaTargets>> SlaAsync(CaseSlaTargets sla, CancellationToken ct) => TypedResults.Ok(await sla.GetAsync(ct));

    private static async Task<Ok<SlaTargets>> UpdateSlaAsync(HttpContext http, Caller caller, CaseSlaTargets sla, CancellationToken ct)
    {
        var input = await RecordApi.ReadBodyAsync<SlaTargets>(http.Request, ct);
        return TypedResults.Ok(await sla.UpdateAsync(input, await caller.ScopeAsync(ct), ct));
    }

    private static T[]? Enums<T>(string? value, string name) where T : struct, Enum
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        return value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(v =>
            !v.Any(char.IsDigit) && Enum.TryParse<T>(v, ignoreCase: true, out var parsed) ? parsed
                : throw RuleViolation.Field(name, $"'{v}' is not a {name}; use {string.Join(", ", Enum.GetNames<T>().Select(n => n.ToLowerInvariant()))}.")).ToArray();
    }

    private static long? Id(string? value, string name)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        return long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id
            : throw RuleViolation.Field(name, $"{name} must be a whole number{(name == "assigneeId" ? " or 'none'" : "")}.");
    }

    private static bool? Flag(string? value, string name) => value?.ToLowerInvariant() switch
    {
        null or "" => null,
        "true" => true,
        "false" => false,
        _ => throw RuleViolation.Field(name, $"{name} must be true or false."),
    };

    private static int Limit(string? limit)
    {
        if (limit is null) return CaseQueries.DefaultLimit;
        if (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1 || n > CaseQueries.MaxLimit)
            throw RuleViolation.Field("limit", $"limit must be a whole number between 1 and {CaseQueries.MaxLimit}.");
        return n;
    }
}
