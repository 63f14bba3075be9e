using System.Security.Claims;
using Kith.Core.Audit;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Infrastructure;

namespace Kith.Audit;

/// <summary>
/// Tells the audit trail who a web request acts for: the signed-in user (through the browser or an API token, and
/// which token) and the client's address. The sign-in page, where nobody is signed in yet, says it itself.
/// </summary>
public static class AuditRequests
{
    /// <summary>HttpContext.Items key under which the bearer handler leaves the id of the token it accepted.</summary>
    public const string TokenIdKey = "kith:audit-token";

    public static IApplicationBuilder UseAuditWho(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.User.UserId() is { } userId)
            context.RequestServices.GetRequiredService<KithDb>().AuditWho = WhoOf(context, userId);
        await next(context);
    });

    public static AuditWho WhoOf(HttpContext context, long userId) => new(
        context.Items.TryGetValue(TokenIdKey, out var token) ? ActorKind.Api : ActorKind.User, userId,
        context.User.FindFirstValue(ClaimTypes.Email), token as long?, context.ClientAddress());

    /// <summary>A signed-in Blazor circuit: the user, without an address (a circuit outlives the request that opened it).</summary>
    public static AuditWho WhoOf(ClaimsPrincipal user, long userId) => new(ActorKind.User, userId, user.FindFirstValue(ClaimTypes.Email));

    /// <param name="method">How the identity was proven: "password" or "oidc".</param>
    public static Task SignInSucceededAsync(HttpContext context, User user, string method) =>
        context.RequestServices.GetRequiredService<KithDb>().AuditNowAsync(AuditActions.SignInSucceeded, "user", user.Id, new { method },
            new AuditWho(ActorKind.User, user.Id, user.Email, null, context.ClientAddress()), context.RequestAborted);

    /// <summary>The email as typed (normalised), so an admin can search for attempts on one account; never the password.</summary>
    public static Task SignInFailedAsync(HttpContext context, string email) =>
        context.RequestServices.GetRequiredService<KithDb>().AuditNowAsync(AuditActions.SignInFailed, "user", null,
            new { email = UserAccounts.NormalizeEmail(email), method = "password" },
            new AuditWho(ActorKind.User, null, UserAccounts.NormalizeEmail(email), null, context.ClientAddress()), context.RequestAborted);

    /// <summary>
    /// An OpenID sign-in that opened no session: the provider's answer did not hold (<paramref name="identity"/> null)
    /// or the identity it proved has no usable Kith account.
    /// </summary>
    public static Task OpenIdSignInFailedAsync(HttpContext context, OpenIdIdentity? identity, string reason)
    {
        var email = identity?.Email is { } e ? UserAccounts.NormalizeEmail(e) : null;
        return context.RequestServices.GetRequiredService<KithDb>().AuditNowAsync(AuditActions.SignInFailed, "user", null,
            new { method = "oidc", reason, email, issuer = identity?.Issuer, subject = identity?.Subject },
            new AuditWho(ActorKind.User, null, email, null, context.ClientAddress()), context.RequestAborted);
    }
}
