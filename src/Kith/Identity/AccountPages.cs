using System.Globalization;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Localization;
using Kith.Core.Identity;
using Kith.Infrastructure;

namespace Kith.Identity;

/// <summary>What the server-rendered account pages share: where to go back to, and how to issue the cookie.</summary>
internal static class AccountPages
{
    /// <summary>Only a path on this site; anything else ("//evil", "https://…", "/\\evil") becomes "/".</summary>
    public static string LocalReturnUrl(string? returnUrl)
    {
        if (string.IsNullOrEmpty(returnUrl) || returnUrl[0] != '/') return "/";
        if (returnUrl.Length > 1 && (returnUrl[1] == '/' || returnUrl[1] == '\\')) return "/";
        if (returnUrl.Any(c => char.IsControl(c))) return "/";
        return returnUrl;
    }

    /// <summary>Issues (or re-issues) the browser cookie, so the claims carry the user's current stamp and language.</summary>
    public static async Task SignInAsync(HttpContext context, User user)
    {
        await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme,
            KithAuthentication.Principal(user, CookieAuthenticationDefaults.AuthenticationScheme),
            new AuthenticationProperties { IsPersistent = true });
        SetCultureCookie(context, user.Language);
    }

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

    public static string Minutes(TimeSpan wait) =>
        Math.Max(1, (int)Math.Ceiling(wait.TotalMinutes)).ToString(CultureInfo.CurrentCulture);
}
