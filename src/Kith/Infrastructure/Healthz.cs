using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Infrastructure;

internal static class Healthz
{
    /// <summary>200 when the database answers a query, 503 otherwise.</summary>
    public static void MapHealthz(this IEndpointRouteBuilder app) =>
        app.MapGet("/healthz", async (KithDb db, CancellationToken ct) =>
        {
            try
            {
                await db.Database.ExecuteSqlRawAsync("SELECT 1", ct);
                return Results.Text("ok");
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                return Results.Problem("The database does not answer.", statusCode: 503);
            }
        }).AllowAnonymous().ExcludeFromDescription();
}
