using Kith.Core.Infrastructure;
using Kith.Core.Settings;
using Kith.Customers;
using Kith.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kith.Settings;

/// <summary>/api/v1/settings: the workspace settings, for administrators.</summary>
internal static class SettingsApi
{
    public static RouteGroupBuilder MapSettings(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/settings").WithTags("Settings");
        g.MapGet("/", GetAsync).WithName("GetSettings").WithSummary("The workspace settings (admins).");
        g.MapPut("/", UpdateAsync).WithName("UpdateSettings").Accepts<WorkspaceSettingsModel>("application/json")
            .WithSummary("Changes the workspace settings, such as the default phone region (admins).");
        return api;
    }

    private static async Task<Ok<WorkspaceSettingsModel>> GetAsync(Caller caller, WorkspaceSettings settings, CancellationToken ct)
    {
        if (!(await caller.ScopeAsync(ct)).IsAdmin) throw new Forbidden("Only an administrator may read the workspace settings.");
        return TypedResults.Ok(await settings.GetAsync(ct));
    }

    private static async Task<Ok<WorkspaceSettingsModel>> UpdateAsync(HttpRequest request, Caller caller, WorkspaceSettings settings, CancellationToken ct)
    {
        var scope = await caller.ScopeAsync(ct);
        if (!scope.IsAdmin) throw new Forbidden("Only an administrator may change the workspace settings.");
        var body = await RecordApi.ReadBodyAsync<WorkspaceSettingsModel>(request, ct);
        return TypedResults.Ok(await settings.UpdateAsync(body, scope, ct));
    }
}
