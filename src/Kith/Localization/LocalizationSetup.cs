using System.Globalization;
using Kith.Infrastructure;
using Microsoft.AspNetCore.Localization;
using Microsoft.Extensions.Localization;

namespace Kith.Localization;

internal static class LocalizationSetup
{
    public const string LanguageClaim = "kith:lang";

    public static IServiceCollection AddKithLocalization(this IServiceCollection services)
    {
        services.AddSingleton<IStringLocalizer, KithLocalizer>();
        services.Configure<RequestLocalizationOptions>(o =>
        {
            var cultures = KithLocalizer.Languages.Select(l => new CultureInfo(l)).ToList();
            o.DefaultRequestCulture = new RequestCulture("en");
            o.SupportedCultures = cultures;
            o.SupportedUICultures = cultures;
            // A signed-in user's own choice first, then the culture cookie, then the browser's languages.
            o.RequestCultureProviders.Insert(0, new CustomRequestCultureProvider(context =>
            {
                var lang = context.User.FindFirst(LanguageClaim)?.Value;
                return Task.FromResult(lang is null ? null : new ProviderCultureResult(lang));
            }));
        });
        return services;
    }
}
