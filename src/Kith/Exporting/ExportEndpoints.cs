using System.ComponentModel;
using System.Globalization;
using Kith.Core.Exporting;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Infrastructure;
using Microsoft.Net.Http.Headers;

namespace Kith.Exporting;

/// <summary>
/// Downloads of the customer, company and case lists as CSV or XLSX, twice over: <c>/api/v1/{customers|companies|cases}/export</c>
/// for scripts (bearer token, like the rest of the API; ADR-0003) and <c>/{customers|companies|cases}/export</c> for the
/// browser's Export button (the sign-in cookie). Both take the list's parameters (q, filter, sort and columns; the
/// case list's own filters) and stream the file as it is written, so a million rows start downloading at once and the
/// browser shows the bytes arriving.
/// </summary>
internal static class ExportEndpoints
{
    /// <summary>The API endpoints, under the bearer-token /api/v1 group.</summary>
    public static RouteGroupBuilder MapExportApi(this RouteGroupBuilder api)
    {
        api.MapGet("/customers/export", ExportCustomersAsync).WithTags("Customers").WithName("ExportCustomers")
            .WithSummary("Exports the customer list (q, filter, sort as in the list; columns=a,b; format=csv|xlsx; bom=true|false) as a file.")
            .WithDescription(Description)
            .Produces(StatusCodes.Status200OK, typeof(Stream), ExportFormats.CsvContentType, ExportFormats.XlsxContentType)
            .ProducesValidationProblem();
        api.MapGet("/companies/export", ExportCompaniesAsync).WithTags("Companies").WithName("ExportCompanies")
            .WithSummary("Exports the company list (q, filter, sort as in the list; columns=a,b; format=csv|xlsx; bom=true|false) as a file.")
            .WithDescription(Description)
            .Produces(StatusCodes.Status200OK, typeof(Stream), ExportFormats.CsvContentType, ExportFormats.XlsxContentType)
            .ProducesValidationProblem();
        api.MapGet("/cases/export", ExportCasesAsync).WithTags("Cases").WithName("ExportCases")
            .WithSummary("Exports the case list (status, priority, assigneeId, customerId, breached, q as in the list; format=csv|xlsx; bom=true|false) as a file.")
            .WithDescription(CasesDescription)
            .Produces(StatusCodes.Status200OK, typeof(Stream), ExportFormats.CsvContentType, ExportFormats.XlsxContentType)
            .ProducesValidationProblem();
        return api;
    }

    /// <summary>The same downloads for the signed-in browser, linked from the lists' Export menu.</summary>
    public static IEndpointRouteBuilder MapExportDownloads(this IEndpointRouteBuilder app)
    {
        app.MapGet("/customers/export", ExportCustomersAsync).RequireAuthorization().ExcludeFromDescription();
        app.MapGet("/companies/export", ExportCompaniesAsync).RequireAuthorization().ExcludeFromDescription();
        app.MapGet("/cases/export", ExportCasesAsync).RequireAuthorization().ExcludeFromDescription();
        return app;
    }

    private const string Description =
        "Every record of the list in the caller's reach, in the list's order. The header row holds the importer's field keys " +
        "(externalId, name, email, …, customFields.<key>), so the file imports back as it is; without columns, every importable " +
        "field with id first. CSV is UTF-8 with a byte order mark (bom=false leaves it out), comma-separated with CRLF line ends " +
        "and RFC 4180 quoting. Cells starting with =, +, -, @, a tab or a carriage return get a leading apostrophe. " +
        "The response streams; an unknown column, filter or sort is a 400 before anything is sent.";

    private static Task ExportCustomersAsync(HttpContext http, Caller caller, ExportCustomers export, TimeProvider clock,
        [Description(FormatText)] string? format, [Description(QText)] string? q, [Description(FilterText)] string? filter,
        [Description(SortText)] string? sort, [Description(ColumnsText)] string? columns, [Description(BomText)] string? bom, CancellationToken ct) =>
        StreamAsync(http, "customers", Request(format, q, filter, sort, columns, bom), clock,
            async (scope, request) => await export.HandleAsync(scope, request, http.Response.Body, null, ct), caller, ct);

    private static Task ExportCompaniesAsync(HttpContext http, Caller caller, ExportCompanies export, TimeProvider clock,
        [Description(FormatText)] string? format, [Description(QText)] string? q, [Description(FilterText)] string? filter,
        [Description(SortText)] string? sort, [Description(ColumnsText)] string? columns, [Description(BomText)] string? bom, CancellationToken ct) =>
        StreamAsync(http, "companies", Request(format, q, filter, sort, columns, bom), clock,
            async (scope, request) => await export.HandleAsync(scope, request, http.Response.Body, null, ct), caller, ct);

    private const string CasesDescription =
        "Every case of the list in the caller's reach (cases on customers they reach), newest first, with the list's columns: " +
        "number, subject, customerId, customer, status, priority, assigneeId, assignee, dueAt, breached, firstRespondedAt, createdAt, updatedAt. " +
        "Times are ISO 8601 in UTC. CSV is UTF-8 with a byte order mark (bom=false leaves it out). Cells starting with =, +, -, @, " +
        "a tab or a carriage return get a leading apostrophe. A malformed filter is a 400 before anything is sent.";

    private static Task ExportCasesAsync(HttpContext http, Caller caller, ExportCases export, TimeProvider clock,
        [Description(FormatText)] string? format, [Description("Statuses, comma-separated (open, pending, resolved, closed); default all.")] string? status,
        [Description("Priorities, comma-separated (low, normal, high, urgent); default all.")] string? priority,
        [Description("A user's id, or none for unassigned cases.")] string? assigneeId, [Description("A customer's id.")] string? customerId,
        [Description("true for breached cases only, false for the others.")] string? breached, [Description("Subject words or #number.")] string? q,
        [Description(BomText)] string? bom, CancellationToken ct)
    {
        var filter = Kith.Cases.CasesApi.Filter(status, priority, assigneeId, customerId, breached, q);
        var request = new ExportRequest(Format: ExportFormats.Parse(format), Bom: ExportFormats.ParseBom(bom));
        return StreamAsync(http, "cases", request, clock,
            async (scope, r) => await export.HandleAsync(scope, filter, r.Format, r.Bom, http.Response.Body, ct), caller, ct);
    }

    private const string FormatText = "csv (default) or xlsx.";
    private const string QText = "Search text, as for the list.";
    private const string FilterText = "A filter in the list's filter language.";
    private const string SortText = "One field, '-' first for descending; default -updatedAt.";
    private const string ColumnsText = "Comma-separated field keys in the order wanted (customFields.<key> or cf.<key>); default every importable field, kithId first.";
    internal const string BomText = "false to leave the UTF-8 byte order mark out of a CSV; default true.";

    private static ExportRequest Request(string? format, string? q, string? filter, string? sort, string? columns, string? bom) =>
        new(q, filter, sort, ExportRequest.SplitColumns(columns), ExportFormats.Parse(format), ExportFormats.ParseBom(bom));

    /// <summary>
    /// Sets the file's headers, then lets the handler write. The handler checks the columns, filter and sort before
    /// its first byte, so until then an error still becomes a ProblemDetails (the exception handler clears these headers).
    /// </summary>
    private static async Task StreamAsync(HttpContext http, string noun, ExportRequest request, TimeProvider clock,
        Func<AccessScope, ExportRequest, Task> write, Caller caller, CancellationToken ct)
    {
        var scope = await caller.ScopeAsync(ct);
        var day = clock.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var response = http.Response;
        response.ContentType = request.Format.ContentType();
        response.Headers.ContentDisposition = new ContentDispositionHeaderValue("attachment")
        {
            FileName = $"{noun}-{day}{request.Format.Extension()}",
        }.ToString();
        // An export is this user's data at this moment: never kept by a proxy or the browser's cache.
        response.Headers.CacheControl = "no-store";
        await write(scope, request);
    }
}
