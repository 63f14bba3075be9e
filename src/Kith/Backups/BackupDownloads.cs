using Kith.Core.Backups;
using Kith.Infrastructure;

namespace Kith.Backups;

/// <summary>GET /admin/backups/files/{name}: an administrator downloads one of the scheduled backups.</summary>
internal static class BackupDownloads
{
    public static IEndpointRouteBuilder MapBackupDownloads(this IEndpointRouteBuilder app)
    {
        app.MapGet("/admin/backups/files/{name}", DownloadAsync).RequireAuthorization(KithAuthentication.AdminPolicy).ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> DownloadAsync(string name, BackupSchedule schedule, CancellationToken ct)
    {
        // Only a name the folder listing holds is served, so no request can reach outside it.
        if (await schedule.PathOfAsync(name, ct) is not { } path) return TypedResults.NotFound();
        return TypedResults.PhysicalFile(path, "application/zip", name, enableRangeProcessing: true);
    }
}
