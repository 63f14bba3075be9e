using Kith.Core.Infrastructure;
using Kith.Core.Mail;
using Kith.Customers;
using Kith.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kith.Mail;

/// <summary>/api/v1/admin/system-mail: the SMTP server Kith sends its own mail through (administrators). The password never comes back.</summary>
internal static class SystemMailApi
{
    public sealed record TestRequest(string? To);

    public sealed record TestResult(string SentTo);

    public static RouteGroupBuilder MapSystemMail(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/admin/system-mail").WithTags("Mail");
        g.MapGet("/", GetAsync).WithName("GetSystemMail").WithSummary("The system mail settings (administrators); hasPassword says whether a password is stored.");
        g.MapPut("/", UpdateAsync).WithName("UpdateSystemMail").Accepts<SystemMailInput>("application/json")
            .WithSummary("Sets the SMTP server, sender and public address Kith's own mail uses (administrators); leave password empty to keep the stored one.");
        g.MapPost("/test", TestAsync).WithName("TestSystemMail").Accepts<TestRequest>("application/json")
            .WithSummary("Sends a test message to the given address, or to you; 409 when system mail is not set up, 502 when the server refuses.");
        return api;
    }

    private static async Task<Ok<SystemMailView>> GetAsync(Caller caller, SystemMailSettings settings, CancellationToken ct) =>
        TypedResults.Ok(await settings.GetAsync(await caller.ScopeAsync(ct), ct));

    private static async Task<Ok<SystemMailView>> UpdateAsync(HttpRequest request, Caller caller, SystemMailSettings settings, CancellationToken ct)
    {
        var scope = await caller.ScopeAsync(ct);
        if (!scope.IsAdmin) throw new Forbidden("Only an administrator may change the system mail settings.");
        var input = await RecordApi.ReadBodyAsync<SystemMailInput>(request, ct);
        return TypedResults.Ok(await settings.UpdateAsync(input, scope, ct));
    }

    private static async Task<Ok<TestResult>> TestAsync(HttpRequest request, Caller caller, TestSystemMail test, CancellationToken ct)
    {
        var scope = await caller.ScopeAsync(ct);
        if (!scope.IsAdmin) throw new Forbidden("Only an administrator may test system mail.");
        var body = request.ContentLength is > 0 ? await RecordApi.ReadBodyAsync<TestRequest>(request, ct) : new TestRequest(null);
        return TypedResults.Ok(new TestResult(await test.HandleAsync(body.To, scope, ct)));
    }
}
