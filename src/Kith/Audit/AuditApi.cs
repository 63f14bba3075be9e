using System.ComponentModel;
using System.Globalization;
using System.Text.Json.Serialization;
using Kith.Core.Audit;
using Kith.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;

namespace Kith.Audit;

public sealed record AuditRetentionBody([property: JsonRequired] int RetentionDays);

/// <summary>
/// /api/v1/audit: the audit trail, for administrators only (anyone else gets 403, as on the other admin endpoints).
/// Search, CSV export, chain verification and the retention setting; nothing here changes or removes an entry.
/// </summary>
internal static class AuditApi
{
    public static RouteGroupBuilder MapAudit(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/audit").RequireAuthorization(KithAuthentication.AdminPolicy).WithTags("Audit");
        g.MapGet("/", SearchAsync).WithName("SearchAudit")
            .WithSummary("Audit entries newest first; filter by actor (user id, email or kind), action (or its prefix), target (type or type:id), from and to.");
        g.MapGet("/export", ExportAsync).WithName("ExportAudit")
            .WithSummary("The matching audit entries as CSV (same filters as the search); cells are formula-safe.")
            .Produces(StatusCodes.Status200OK, typeof(Stream), "text/csv");
        g.MapPost("/verify", VerifyAsync).WithName("VerifyAudit")
            .WithSummary("Recomputes the hash chain and reports the first entry that was changed, removed or inserted.");
        g.MapGet("/retention", async (AuditRetention retention, CancellationToken ct) =>
            TypedResults.Ok(new AuditRetentionBody(await retention.DaysAsync(ct)))).WithName("GetAuditRetention");
        g.MapPut("/retention", async (AuditRetentionBody body, Caller caller, AuditRetention retention, CancellationToken ct) =>
            TypedResults.Ok(new AuditRetentionBody(await retention.SetDaysAsync(body.RetentionDays, await caller.ScopeAsync(ct), ct))))
            .WithName("SetAuditRetention").WithSummary("How many days entries are kept (1 to 36500); older ones are purged daily.");
        return api;
    }

    /// <summary>The export for the signed-in browser (cookie), behind the page's Export button.</summary>
    public static IEndpointRouteBuilder MapAuditDownloads(this IEndpointRouteBuilder app)
    {
        app.MapGet("/admin/audit/export", ExportAsync).RequireAuthorization(KithAuthentication.AdminPolicy).ExcludeFromDescription();
        return app;
    }

    private static async Task<Ok<AuditPage>> SearchAsync(AuditQueries queries,
        [Description("A user id, an email, or system, cli, import, api, user.")] string? actor,
        [Description("An action such as signin.failed, or its first part: signin.")] string? action,
        [Description("A target type (customer) or type and id (customer:12).")] string? target,
        [Description("From this date or instant, inclusive.")] string? from,
        [Description("Before this instant; a date alone includes that whole day.")] string? to,
        string? cursor, int? limit, CancellationToken ct) =>
        TypedResults.Ok(await queries.SearchAsync(new AuditFilter(actor, action, target, from, to), cursor, limit, ct));

    private static async Task ExportAsync(HttpContext http, AuditQueries queries, TimeProvider clock,
        string? actor, string? action, string? target, string? from, string? to, CancellationToken ct)
    {
        var filter = new AuditFilter(actor, action, target, from, to);
        // A bad filter is a 400 before any byte of the file is sent.
        AuditQueries.Apply(Enumerable.Empty<AuditEntry>().AsQueryable(), filter);
        var day = clock.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        http.Response.ContentType = "text/csv; charset=utf-8";
        http.Response.Headers.ContentDisposition = new ContentDispositionHeaderValue("attachment") { FileName = $"audit-{day}.csv" }.ToString();
        http.Response.Headers.CacheControl = "no-store";
        await queries.ExportAsync(filter, http.Response.Body, ct);
    }

    private static async Task<Ok<AuditVerification>> VerifyAsync(VerifyAuditTrail verify, CancellationToken ct) =>
        TypedResults.Ok(await verify.HandleAsync(ct));
}
