using System.Text.RegularExpressions;
using Kith.Core.Identity;
using Kith.Tests.Browser;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Kith.Tests.Identity;

/// <summary>Signing in through a real OpenID provider in Chromium: Kith's button, the provider's page, back signed in.</summary>
public sealed class OpenIdBrowserTests(OpenIdProvider provider) : IClassFixture<OpenIdProvider>
{
    [Fact]
    public async Task APersonSignsInThroughTheirOpenIdProviderAndLandsSignedInAtKith()
    {
        await using var host = await provider.StartKithAsync();
        await host.CreateUserAsync("ada@example.com", Role.Agent);
        await using var session = await BrowserSession.StartAsync();
        var page = await session.NewPageAsync(host.Address, 390, 844);

        await page.GotoAsync("/account/profile");
        await Expect(page).ToHaveURLAsync(new Regex("/account/login"));
        await page.ClickAsync("[data-test=sign-in-oidc]");
        await Expect(page).ToHaveURLAsync(new Regex("^" + Regex.Escape(provider.Issuer) + "/interaction/"));
        await page.FillAsync("[data-test=provider-login]", "ada");
        await page.ClickAsync("[data-test=provider-submit]");

        await Expect(page).ToHaveURLAsync(new Regex(Regex.Escape(host.Address.ToString().TrimEnd('/')) + "/account/profile$"));
        await Expect(page.Locator("[data-test=session]")).ToHaveCountAsync(1);
        await Expect(page.Locator("[data-test=this-browser]")).ToHaveCountAsync(1);
        await Expect(page.Locator("body")).ToContainTextAsync("ada@example.com");
    }
}
