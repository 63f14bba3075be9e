using Kith.Core.Exporting;
using Kith.Core.Importing;
using Kith.Infrastructure;

namespace Kith.Importing;

/// <summary>
/// The refused rows of an import as a file, for the signed-in browser (the sign-in cookie): the import page links
/// here, since /api/v1 takes bearer tokens only (ADR-0003). The same file as GET /api/v1/imports/{id}/rejected.
/// </summary>
internal static class ImportDownloads
{
    public static IEndpointRouteBuilder MapImportDownloads(this IEndpointRouteBuilder app)
    {
        app.MapGet("/imports/{id:long}/rejected.csv", (long id, HttpContext http, Caller caller, ImportQueries queries, CancellationToken ct) =>
            WriteRejectedAsync(id, ExportFormat.Csv, http, caller, queries, ct)).RequireAuthorization().ExcludeFromDescription();
        app.MapGet("/imports/{id:long}/rejected.xlsx", (long id, HttpContext http, Caller caller, ImportQueries queries, CancellationToken ct) =>
            WriteRejectedAsync(id, ExportFormat.Xlsx, http, caller, queries, ct)).RequireAuthorization().ExcludeFromDescription();
        return app;
    }

    /// <summary>
    /// Checks the job is the caller's before a byte is sent (so a stranger's id is a 404 problem, not an empty file),
    /// then writes through a temporary file: the table writers are synchronous and the response must be written asynchronously.
    /// </summary>
    internal static async Task WriteRejectedAsync(long id, ExportFormat format, HttpContext http, Caller caller, ImportQueries queries, CancellationToken ct)
    {
        var scope = await caller.ScopeAsync(ct);
        await queries.GetAsync(scope, id, ct);
        var temp = Path.GetTempFileName();
        try
        {
            await using (var file = File.Create(temp))
                await queries.WriteRejectedAsync(scope, id, file, format, ct);
            http.Response.ContentType = format == ExportFormat.Csv
                ? "text/csv; charset=utf-8"
                : "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
            http.Response.Headers.ContentDisposition = $"attachment; filename=\"import-{id}-rejected.{(format == ExportFormat.Csv ? "csv" : "xlsx")}\"";
            // The refused rows hold customers' data as typed: never kept by a proxy or the browser's cache.
            http.Response.Headers.CacheControl = "no-store";
            await using var read = File.OpenRead(temp);
            http.Response.ContentLength = read.Length;
            await read.CopyToAsync(http.Response.Body, ct);
        }
        finally
        {
            File.Delete(temp);
        }
    }
}
