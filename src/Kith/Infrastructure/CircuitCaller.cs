using System.Security.Claims;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Microsoft.AspNetCore.Components.Authorization;

namespace Kith.Infrastructure;

/// <summary>
/// The signed-in user of an interactive Blazor circuit and a way to run one use case on their behalf.
/// <para>
/// A circuit lives for minutes and its events can overlap (a search typed while the previous one still runs), so
/// one circuit-scoped KithDb would be used concurrently and would keep stale tracked entities. Each call therefore
/// gets its own DI scope (a fresh KithDb and fresh handlers) and a freshly loaded AccessScope, so a role or team
/// change applies to the next click. IHttpContextAccessor is not reliable inside a circuit; the user id comes from
/// the circuit's AuthenticationState.
/// </para>
/// </summary>
public sealed class CircuitCaller(AuthenticationStateProvider authentication, IServiceScopeFactory scopes)
{
    public async Task<ClaimsPrincipal> UserAsync() => (await authentication.GetAuthenticationStateAsync()).User;

    public async Task<long> UserIdAsync() =>
        (await UserAsync()).UserId() ?? throw new UnauthorizedAccessException("Not signed in.");

    /// <summary>
    /// Runs <paramref name="work"/> in a new scope with the caller's current reach. A circuit outlives the request
    /// that opened it, so the browser's session is checked again on every call: signing out everywhere or disabling
    /// the user stops an open page at its next click.
    /// </summary>
    public async Task<T> RunAsync<T>(Func<IServiceProvider, AccessScope, Task<T>> work, CancellationToken ct = default)
    {
        var user = await UserAsync();
        var userId = user.UserId() ?? throw new UnauthorizedAccessException("Not signed in.");
        await using var scope = scopes.CreateAsyncScope();
        var session = await scope.ServiceProvider.GetRequiredService<UserSessions>().FindActiveAsync(
            userId, user.FindFirstValue(KithAuthentication.SessionClaim), user.FindFirstValue(KithAuthentication.StampClaim), ct);
        if (session is null) throw new UnauthorizedAccessException("The session has ended; sign in again.");
        var db = scope.ServiceProvider.GetRequiredService<KithDb>();
        db.AuditWho = Kith.Audit.AuditRequests.WhoOf(await UserAsync(), userId);
        var access = await AccessScope.ForUserAsync(db, userId, ct) ?? throw new UnauthorizedAccessException("Not signed in.");
        return await work(scope.ServiceProvider, access);
    }

    /// <summary>Resolves <typeparamref name="THandler"/> in a new scope and runs <paramref name="work"/> with it.</summary>
    public Task<T> RunAsync<THandler, T>(Func<THandler, AccessScope, Task<T>> work, CancellationToken ct = default)
        where THandler : notnull =>
        RunAsync((services, access) => work(services.GetRequiredService<THandler>(), access), ct);

    public Task RunAsync<THandler>(Func<THandler, AccessScope, Task> work, CancellationToken ct = default)
        where THandler : notnull =>
        RunAsync<THandler, bool>(async (h, a) => { await work(h, a); return true; }, ct);
}
