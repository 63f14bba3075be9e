using System.Globalization;
using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Localization;
using Kith.Core.Identity;
using Kith.Infrastructure;

namespace Kith.Identity;

/// <summary>Which step of signing in the half-signed-in browser is at.</summary>
internal enum SecondStep { Code, Enrol }

/// <summary>How a sign-in proved who it is, as the audit trail records it.</summary>
internal static class SignInMethod
{
    public const string Password = "password";
    public const string OpenId = "oidc";
}

/// <summary>What the server-rendered account pages share: where to go back to, and how to issue the cookie.</summary>
internal static class AccountPages
{
    private const string StepClaim = "kith:step";
    private const string StepMethodClaim = "kith:method";

    /// <summary>Only a path on this site; anything else ("//evil", "https://…", "/\\evil") becomes "/".</summary>
    public static string LocalReturnUrl(string? returnUrl)
    {
        if (string.IsNullOrEmpty(returnUrl) || returnUrl[0] != '/') return "/";
        if (returnUrl.Length > 1 && (returnUrl[1] == '/' || returnUrl[1] == '\\')) return "/";
        if (returnUrl.Any(c => char.IsControl(c))) return "/";
        return returnUrl;
    }

    /// <summary>
    /// Where every way of proving who one is ends (a password, an OpenID provider; a reset link can call it too): a
    /// user with two-factor sign-in gets the code step, a user whose role requires it but who has none gets the
    /// enrolment step, and everyone else a session. Returns where the browser goes next.
    /// </summary>
    /// <param name="secondFactorChecked">
    /// An OpenID provider the operator trusts for it (--oidc-trust-mfa) says it checked a second factor: that counts
    /// as Kith's own (ADR-0016). Never true for a password.
    /// </param>
    public static async Task<string> ContinueSignInAsync(HttpContext context, User user, string? returnUrl,
        string method = SignInMethod.Password, bool secondFactorChecked = false)
    {
        var next = LocalReturnUrl(returnUrl);
        if (secondFactorChecked)
        {
            await StartSessionAsync(context, user, passedMfa: true, method);
            return next;
        }
        var twoFactor = context.RequestServices.GetRequiredService<TwoFactor>();
        var step = user.MfaEnabledAt is not null ? SecondStep.Code
            : await twoFactor.IsRequiredAsync(user.Id, context.RequestAborted) ? SecondStep.Enrol
            : (SecondStep?)null;
        if (step is null)
        {
            await StartSessionAsync(context, user, passedMfa: false, method);
            return next;
        }
        var identity = new ClaimsIdentity(
        [
            new Claim(KithAuthentication.UserIdClaim, user.Id.ToString(CultureInfo.InvariantCulture)),
            new Claim(KithAuthentication.StampClaim, user.SecurityStamp),
            new Claim(StepClaim, step.Value.ToString()),
            new Claim(StepMethodClaim, method),
        ], KithAuthentication.SecondStepScheme);
        if (context.User.Identity?.IsAuthenticated == true) await EndThisSessionAsync(context);
        await context.SignInAsync(KithAuthentication.SecondStepScheme, new ClaimsPrincipal(identity),
            new AuthenticationProperties { IsPersistent = false });
        SetCultureCookie(context, user.Language);
        var page = step == SecondStep.Code ? "/account/login/code" : "/account/login/enrol";
        return next == "/" ? page : page + "?returnUrl=" + Uri.EscapeDataString(next);
    }

    /// <summary>
    /// The user half-way through signing in, when the browser holds a live second-step cookie for <paramref name="step"/>
    /// whose user is still active with the same security stamp, and how its first step was proven; otherwise null.
    /// </summary>
    public static async Task<(User User, string Method)?> SecondStepUserAsync(HttpContext context, SecondStep step)
    {
        var result = await context.AuthenticateAsync(KithAuthentication.SecondStepScheme);
        if (!result.Succeeded || result.Principal.FindFirstValue(StepClaim) != step.ToString() || result.Principal.UserId() is not { } id)
            return null;
        var stamp = result.Principal.FindFirstValue(KithAuthentication.StampClaim);
        var db = context.RequestServices.GetRequiredService<Kith.Core.Infrastructure.KithDb>();
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == id && !u.IsDisabled && u.SecurityStamp == stamp, context.RequestAborted);
        return user is null ? null : (user, result.Principal.FindFirstValue(StepMethodClaim) ?? SignInMethod.Password);
    }

    /// <summary>
    /// Starts a new server-side session and issues its cookie. Any session this browser had ends first, so a session
    /// id planted before sign-in (session fixation) never becomes a signed-in one.
    /// </summary>
    public static async Task StartSessionAsync(HttpContext context, User user, bool passedMfa, string method = SignInMethod.Password)
    {
        await EndThisSessionRowAsync(context);
        if (context.Request.Cookies.ContainsKey("kith.signin")) await context.SignOutAsync(KithAuthentication.SecondStepScheme);
        var sessions = context.RequestServices.GetRequiredService<UserSessions>();
        var (_, key) = await sessions.StartAsync(user.Id, context.Request.Headers.UserAgent.ToString(), context.ClientAddress(), passedMfa, context.RequestAborted);
        await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme,
            KithAuthentication.SessionPrincipal(user, key, passedMfa),
            new AuthenticationProperties { IsPersistent = true });
        SetCultureCookie(context, user.Language);
        await Kith.Audit.AuditRequests.SignInSucceededAsync(context, user, method);
    }

    /// <summary>Re-issues this browser's cookie for the same session, so it carries the user's new name and language.</summary>
    public static async Task ReissueCookieAsync(HttpContext context, User user)
    {
        var key = context.User.FindFirstValue(KithAuthentication.SessionClaim) ?? throw new UnauthorizedAccessException("Not signed in.");
        await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme,
            KithAuthentication.SessionPrincipal(user, key, context.User.PassedMfa()),
            new AuthenticationProperties { IsPersistent = true });
        SetCultureCookie(context, user.Language);
    }

    /// <summary>Ends this browser's session on the server and removes its cookie.</summary>
    public static async Task EndThisSessionAsync(HttpContext context)
    {
        await EndThisSessionRowAsync(context);
        await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
    }

    private static Task EndThisSessionRowAsync(HttpContext context) =>
        context.User.FindFirstValue(KithAuthentication.SessionClaim) is { } key
            ? context.RequestServices.GetRequiredService<UserSessions>().EndByKeyAsync(key, context.RequestAborted)
            : Task.CompletedTask;

    /// <summary>The language of pages shown before sign-in; a signed-in user's own choice comes from their claims.</summary>
    public static void SetCultureCookie(HttpContext context, string language)
    {
        context.Response.Cookies.Append(CookieRequestCultureProvider.DefaultCookieName,
            CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(language)),
            new CookieOptions
            {
                Expires = DateTimeOffset.UtcNow.AddYears(1),
                HttpOnly = true,
                SameSite = SameSiteMode.Lax,
                Secure = context.Request.IsHttps,
                IsEssential = true,
            });
    }

    public static void Throttled(HttpContext context, TimeSpan wait)
    {
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
    }

    public static string Minutes(TimeSpan wait) =>
        Math.Max(1, (int)Math.Ceiling(wait.TotalMinutes)).ToString(CultureInfo.CurrentCulture);
}
