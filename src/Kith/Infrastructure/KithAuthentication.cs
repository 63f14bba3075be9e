using System.Security.Claims;
using System.Text.Encodings.Web;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Kith.Infrastructure;

/// <summary>
/// Two ways in: a cookie for the browser UI and a bearer token for the API. The API takes only bearer tokens,
/// so a cookie can never be used to make cross-site API calls.
/// </summary>
public static class KithAuthentication
{
    public const string BearerScheme = "Bearer";
    public const string ApiPolicy = "api";
    public const string AdminPolicy = "admin";
    public const string UserIdClaim = "kith:uid";
    public const string StampClaim = "kith:stamp";
    /// <summary>The key of the server-side session (<see cref="UserSessions"/>) the cookie belongs to.</summary>
    public const string SessionClaim = "kith:sid";
    /// <summary>How the session's sign-in was proven: "mfa" with a second factor, "pwd" with the password alone.</summary>
    public const string MethodClaim = "amr";
    /// <summary>
    /// The half-signed-in state between the password and the second factor (or the forced enrolment): a separate,
    /// short-lived cookie that no endpoint accepts as a sign-in. It names the user and their security stamp, so
    /// signing out everywhere or a password change voids it too.
    /// </summary>
    public const string SecondStepScheme = "Kith.SecondStep";
    public static readonly TimeSpan SecondStepLifetime = TimeSpan.FromMinutes(5);

    public static IServiceCollection AddKithAuthentication(this IServiceCollection services)
    {
        services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(o =>
            {
                o.Cookie.Name = "kith.auth";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Lax;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.LoginPath = "/account/login";
                o.LogoutPath = "/account/logout";
                o.AccessDeniedPath = "/account/denied";
                o.ExpireTimeSpan = TimeSpan.FromDays(14);
                o.SlidingExpiration = true;
                o.Events.OnValidatePrincipal = ValidateCookieAsync;
                // API callers get status codes, never redirects to the sign-in page.
                o.Events.OnRedirectToLogin = c => RedirectOrStatus(c, 401);
                o.Events.OnRedirectToAccessDenied = c => RedirectOrStatus(c, 403);
            })
            .AddCookie(SecondStepScheme, o =>
            {
                o.Cookie.Name = "kith.signin";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.ExpireTimeSpan = SecondStepLifetime;
                o.SlidingExpiration = false;
            })
            .AddScheme<AuthenticationSchemeOptions, BearerTokenHandler>(BearerScheme, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(ApiPolicy, p => p.AddAuthenticationSchemes(BearerScheme).RequireAuthenticatedUser())
            .AddPolicy(AdminPolicy, p => p.RequireAuthenticatedUser().RequireRole(nameof(Role.Admin)));
        services.AddCascadingAuthenticationState();
        services.AddHttpContextAccessor();
        services.AddScoped<Caller>();
        services.AddSingleton<TokenThrottle>();
        services.AddSingleton<Kith.Identity.PasswordResetMailer>();
        services.AddHostedService(sp => sp.GetRequiredService<Kith.Identity.PasswordResetMailer>());
        return services;
    }

    /// <summary>A browser's principal: the user's claims plus the session key and how the sign-in was proven.</summary>
    public static ClaimsPrincipal SessionPrincipal(User user, string sessionKey, bool passedMfa)
    {
        var principal = Principal(user, CookieAuthenticationDefaults.AuthenticationScheme);
        var identity = (ClaimsIdentity)principal.Identity!;
        identity.AddClaim(new Claim(SessionClaim, sessionKey));
        identity.AddClaim(new Claim(MethodClaim, passedMfa ? "mfa" : "pwd"));
        return principal;
    }

    public static ClaimsPrincipal Principal(User user, string scheme)
    {
        var identity = new ClaimsIdentity(
        [
            new Claim(UserIdClaim, user.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new Claim(ClaimTypes.Name, user.DisplayName.Length > 0 ? user.DisplayName : user.Email),
            new Claim(ClaimTypes.Email, user.Email),
            new Claim(ClaimTypes.Role, user.Role.ToString()),
            new Claim(StampClaim, user.SecurityStamp),
            new Claim(Localization.LocalizationSetup.LanguageClaim, user.Language),
        ], scheme, ClaimTypes.Name, ClaimTypes.Role);
        return new ClaimsPrincipal(identity);
    }

    /// <summary>
    /// The client's address, the key for throttling guesses and rate limits. X-Forwarded-For has already been applied
    /// here only when the connection came from a configured trusted proxy (<see cref="ProxyTrust"/>).
    /// </summary>
    public static string ClientAddress(this HttpContext context) =>
        context.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    /// <summary>Writes an RFC 9457 problem with the given status; 429s also say when to retry.</summary>
    public static async Task WriteProblemAsync(HttpContext context, int status, string title, string detail, TimeSpan? retryAfter = null)
    {
        context.Response.StatusCode = status;
        if (retryAfter is { } wait)
            context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var problems = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        // TryWrite: a client that accepts no JSON (Accept: text/html) still gets the status, just without a body.
        await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new Microsoft.AspNetCore.Mvc.ProblemDetails { Status = status, Title = title, Detail = detail },
        });
    }

    public static long? UserId(this ClaimsPrincipal principal) =>
        long.TryParse(principal.FindFirstValue(UserIdClaim), out var id) ? id : null;

    /// <summary>Whether the browser session's sign-in passed a second factor.</summary>
    public static bool PassedMfa(this ClaimsPrincipal principal) => principal.FindFirstValue(MethodClaim) == "mfa";

    private static Task RedirectOrStatus(RedirectContext<CookieAuthenticationOptions> context, int status)
    {
        if (context.Request.Path.StartsWithSegments("/api"))
        {
            context.Response.StatusCode = status;
            return Task.CompletedTask;
        }
        context.Response.Redirect(context.RedirectUri);
        return Task.CompletedTask;
    }

    /// <summary>
    /// A cookie works only while its server-side session lives: it stops the moment the session is ended (here or
    /// "everywhere"), its user is disabled, or their password or role changes.
    /// </summary>
    private static async Task ValidateCookieAsync(CookieValidatePrincipalContext context)
    {
        var id = context.Principal?.UserId();
        var sessions = context.HttpContext.RequestServices.GetRequiredService<UserSessions>();
        var ok = id is { } userId && await sessions.FindActiveAsync(userId, context.Principal!.FindFirstValue(SessionClaim),
            context.Principal!.FindFirstValue(StampClaim), context.HttpContext.RequestAborted) is not null;
        if (!ok)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        }
    }
}

/// <summary>
/// Authenticates `Authorization: Bearer TOKEN` against the stored token hashes, on every request, so revocation and
/// disabling a user take effect at once. Failed tokens are counted per client address; past the limit the client
/// gets 429 with Retry-After and no token is even looked up, so tokens cannot be guessed at speed.
/// </summary>
internal sealed class BearerTokenHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, KithDb db, TimeProvider clock,
    TokenThrottle throttle)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    private TimeSpan? _retryAfter;
    private bool _mustEnrol;

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (header is null || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return AuthenticateResult.NoResult();
        var address = Context.ClientAddress();
        if (throttle.Addresses.RetryAfter(address) is { } wait)
        {
            _retryAfter = wait;
            return AuthenticateResult.Fail("Too many failed tokens from this address.");
        }
        var token = header["Bearer ".Length..].Trim();
        if (token.Length is 0 or > 200)
        {
            throttle.Addresses.Fail(address);
            return AuthenticateResult.Fail("Malformed token.");
        }
        var hash = ApiTokens.Hash(token);
        var match = await db.ApiTokens
            .Where(t => t.TokenHash == hash && t.RevokedAt == null)
            .Select(t => new { Token = t, t.User, MfaMissing = t.User!.MfaEnabledAt == null && db.RolePolicies.Any(p => p.Role == t.User.Role && p.RequireMfa) })
            .FirstOrDefaultAsync(Context.RequestAborted);
        var found = match?.Token;
        if (found is null || match!.User is not { IsDisabled: false } user)
        {
            throttle.Addresses.Fail(address);
            return AuthenticateResult.Fail("Unknown or revoked token.");
        }
        // A token must not outlive the rule that its user signs in with a second factor: it works again once they enrol.
        if (match.MfaMissing)
        {
            _mustEnrol = true;
            return AuthenticateResult.Fail("The user's role requires two-factor sign-in.");
        }
        Context.Items[Kith.Audit.AuditRequests.TokenIdKey] = found.Id;
        var now = clock.GetUtcNow().UtcDateTime;
        // Touch at most once a minute: a write per request would serialise every API read on SQLite.
        if (found.LastUsedAt is null || now - found.LastUsedAt > TimeSpan.FromMinutes(1))
        {
            found.LastUsedAt = now;
            await db.SaveChangesAsync(Context.RequestAborted);
        }
        return AuthenticateResult.Success(new AuthenticationTicket(KithAuthentication.Principal(user, Scheme.Name), Scheme.Name));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (_retryAfter is { } wait)
            return KithAuthentication.WriteProblemAsync(Context, 429, "Too many requests",
                "Too many requests with an unknown or revoked token came from your address; wait before trying again.", wait);
        if (_mustEnrol)
            return KithAuthentication.WriteProblemAsync(Context, 403, "Two-factor sign-in required",
                "Your role requires two-factor sign-in. Sign in to Kith in a browser and set it up; then this token works again.");
        Response.Headers.WWWAuthenticate = "Bearer";
        return KithAuthentication.WriteProblemAsync(Context, 401, "Not signed in",
            "Send a valid API token as `Authorization: Bearer TOKEN`; create one on /account/tokens or with `kith tokens create`.");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        KithAuthentication.WriteProblemAsync(Context, 403, "Forbidden", "Your role may not use this endpoint.");
}

/// <summary>The signed-in user of this request and what they may reach; worked out once per request.</summary>
public sealed class Caller(IHttpContextAccessor http, KithDb db)
{
    private AccessScope? _scope;

    public long UserId => http.HttpContext?.User.UserId() ?? throw new UnauthorizedAccessException("Not signed in.");

    /// <summary>The scope if this request has worked it out already (every record endpoint does), for the JSON writer.</summary>
    public AccessScope? LoadedScope => _scope;

    public async Task<AccessScope> ScopeAsync(CancellationToken ct = default) =>
        _scope ??= await AccessScope.ForUserAsync(db, UserId, ct) ?? throw new UnauthorizedAccessException("Not signed in.");
}
