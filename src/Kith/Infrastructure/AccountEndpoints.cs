using Kith.Identity;
using Kith.Localization;

namespace Kith.Infrastructure;

internal static class AccountEndpoints
{
    /// <summary>
    /// The HTTP-only parts of signing in that are not pages. Sign-in, setup, sign-out and the profile are
    /// server-rendered pages in Identity/ (they set the cookie on their own HTTP responses); this adds the language
    /// choice for visitors who are not signed in, kept in the culture cookie.
    /// </summary>
    public static IEndpointRouteBuilder MapKithAccountEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/account/language", (string? lang, string? returnUrl, HttpContext context) =>
        {
            var language = KithLocalizer.Languages.Contains(lang) ? lang! : "en";
            AccountPages.SetCultureCookie(context, language);
            return TypedResults.LocalRedirect(AccountPages.LocalReturnUrl(returnUrl));
        }).AllowAnonymous().ExcludeFromDescription();
        return app;
    }
}
