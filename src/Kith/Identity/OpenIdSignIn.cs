using System.Security.Claims;
using Kith.Core.Identity;
using Kith.Infrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace Kith.Identity;

/// <summary>
/// Sign-in through an OpenID provider: the authorization code flow with PKCE, state and nonce (ASP.NET Core's
/// handler checks all three, and the code is redeemed with the client secret over the back channel). When the
/// provider sends the browser back to /signin-oidc, the proven identity becomes a Kith user
/// (<see cref="SignInWithOpenId"/>) and then goes where a correct password goes,
/// <see cref="AccountPages.ContinueSignInAsync"/>: Kith's own second step when it is needed, else a server-side
/// session like any other.
/// </summary>
internal static class OpenIdSignIn
{
    public const string Scheme = "oidc";
    public const string CallbackPath = "/signin-oidc";
    public const string StartPath = "/account/login/oidc";
    private const string IssuerClaim = "kith:iss";

    public static IServiceCollection AddKithOpenIdSignIn(this IServiceCollection services, OpenIdSignInOptions options)
    {
        services.AddAuthentication().AddOpenIdConnect(Scheme, options.DisplayName, o =>
        {
            o.Authority = options.Authority;
            o.ClientId = options.ClientId;
            o.ClientSecret = options.ClientSecret;
            o.RequireHttpsMetadata = !OpenIdSignInOptions.IsLoopback(new Uri(options.Authority));
            o.ResponseType = OpenIdConnectResponseType.Code;
            // The answer comes back as a top-level GET, so the correlation and nonce cookies can stay SameSite=Lax
            // (form_post would need SameSite=None, which browsers drop on plain-http test setups).
            o.ResponseMode = OpenIdConnectResponseMode.Query;
            o.UsePkce = true;
            o.CallbackPath = CallbackPath;
            o.Scope.Clear();
            foreach (var scope in new[] { "openid", "email", "profile" }) o.Scope.Add(scope);
            o.MapInboundClaims = false;
            // Many providers put email and email_verified only in the user-info answer (oidc-provider does).
            o.GetClaimsFromUserInfoEndpoint = true;
            o.ClaimActions.MapUniqueJsonKey("email_verified", "email_verified");
            o.SaveTokens = false;
            foreach (var cookie in new[] { o.CorrelationCookie, o.NonceCookie })
            {
                cookie.SameSite = SameSiteMode.Lax;
                cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            }
            // The ticket is never signed in as it is (FinishAsync always handles the response); were it ever, the
            // cookie check would refuse it, since it names no server-side session.
            o.SignInScheme = CookieAuthenticationDefaults.AuthenticationScheme;
            o.Events.OnTokenValidated = context =>
            {
                // The issuer of the signed ID token, not of whatever claims the user-info answer adds.
                ((ClaimsIdentity)context.Principal!.Identity!).AddClaim(new Claim(IssuerClaim, context.SecurityToken.Issuer));
                return Task.CompletedTask;
            };
            o.Events.OnTicketReceived = FinishAsync;
            o.Events.OnRemoteFailure = async context =>
            {
                // A forged or replayed answer (state, correlation cookie, nonce, code), or the provider said no.
                await Kith.Audit.AuditRequests.OpenIdSignInFailedAsync(context.HttpContext, null, Clip(context.Failure?.Message ?? "failed", 200));
                context.Response.Redirect("/account/login?oidc=failed");
                context.HandleResponse();
            };
        });
        return services;
    }

    public static IEndpointRouteBuilder MapKithOpenIdSignIn(this IEndpointRouteBuilder app)
    {
        app.MapGet(StartPath, async (string? returnUrl, HttpContext context) =>
        {
            try
            {
                await context.ChallengeAsync(Scheme, new AuthenticationProperties { RedirectUri = AccountPages.LocalReturnUrl(returnUrl) });
            }
            catch (InvalidOperationException)
            {
                // The provider's discovery document could not be read: say so instead of failing with a 500.
                context.Response.Redirect("/account/login?oidc=unavailable");
            }
        }).AllowAnonymous().ExcludeFromDescription();
        return app;
    }

    /// <summary>The provider proved who this is: open their Kith account, or say on the sign-in page why not.</summary>
    private static async Task FinishAsync(TicketReceivedContext context)
    {
        var http = context.HttpContext;
        var options = http.RequestServices.GetRequiredService<KithServeOptions>().OpenId!;
        var principal = context.Principal!;
        var identity = new OpenIdIdentity(
            principal.FindFirstValue(IssuerClaim) ?? options.Authority,
            principal.FindFirstValue("sub") ?? "",
            principal.FindFirstValue("email"),
            options.TrustProviderEmails || bool.TryParse(principal.FindFirstValue("email_verified"), out var verified) && verified,
            principal.FindFirstValue("name"));
        context.HandleResponse();
        if (identity.Subject.Length is 0 or > 255 || identity.Issuer.Length > 300)
        {
            await Kith.Audit.AuditRequests.OpenIdSignInFailedAsync(http, identity, "no usable subject");
            http.Response.Redirect("/account/login?oidc=failed");
            return;
        }
        var outcome = await http.RequestServices.GetRequiredService<SignInWithOpenId>().HandleAsync(identity, options.CreateUsersAs, http.RequestAborted);
        if (outcome.User is not { } user)
        {
            var reason = Reason(outcome.Refusal!.Value);
            await Kith.Audit.AuditRequests.OpenIdSignInFailedAsync(http, identity, reason);
            http.Response.Redirect("/account/login?oidc=" + reason);
            return;
        }
        // The callback request carries the browser's current Kith cookie too: its session ends as the new one starts.
        var current = await http.AuthenticateAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        if (current.Succeeded) http.User = current.Principal;
        var providerCheckedSecondFactor = options.TrustProviderMfa
            && principal.FindAll("amr").Any(c => OpenIdSignInOptions.SecondFactorMethods.Contains(c.Value, StringComparer.OrdinalIgnoreCase));
        http.Response.Redirect(await AccountPages.ContinueSignInAsync(http, user, context.ReturnUri, SignInMethod.OpenId, providerCheckedSecondFactor));
    }

    /// <summary>The word in the sign-in page's address (?oidc=…) and in the audit entry.</summary>
    public static string Reason(OpenIdRefusal refusal) => refusal switch
    {
        OpenIdRefusal.NoAccount => "no-account",
        OpenIdRefusal.EmailNotVerified => "email-not-verified",
        _ => "disabled",
    };

    private static string Clip(string text, int max) => text.Length > max ? text[..max] : text;
}
