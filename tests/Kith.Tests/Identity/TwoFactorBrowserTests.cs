using System.Text.RegularExpressions;
using Kith.Core.Identity;
using Kith.Tests.Browser;
using Kith.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Kith.Tests.Identity;

/// <summary>Two-factor sign-in in Chromium: set up from the profile with the QR page, then sign in with a code.</summary>
public sealed class TwoFactorBrowserTests
{
    [Fact]
    public async Task AUserTurnsOnTwoFactorSignInAndThenSignsInWithACodeFromTheirApp()
    {
        await using var host = await KithTestHost.StartAsync();
        await host.CreateUserAsync("agent@example.com", Role.Agent);
        await using var session = await BrowserSession.StartAsync();
        var page = await session.NewPageAsync(host.Address, 390, 844);
        await SignInWithPasswordAsync(page, "/account/profile");
        await Expect(page).ToHaveURLAsync(new Regex("/account/profile$"));

        await page.ClickAsync("[data-test=manage-mfa]");
        await Expect(page).ToHaveURLAsync(new Regex("/account/two-factor$"));
        var qrWidth = await page.Locator("[data-test=mfa-qr]").EvaluateAsync<int>("img => img.naturalWidth");
        Assert.True(qrWidth > 100, "The QR code image did not load.");
        var key = (await page.Locator("[data-test=mfa-key]").TextContentAsync())!.Trim();
        await page.FillAsync("input[name='On.Code']", Authenticator.Now(key));
        await page.ClickAsync("[data-test=confirm-mfa]");
        await Expect(page.Locator("[data-test=recovery-codes] li")).ToHaveCountAsync(10);
        var sideways = await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth > window.innerWidth + 1");
        Assert.False(sideways, "The two-factor page scrolls sideways at phone width.");

        await page.GotoAsync("/account/logout");
        await page.ClickAsync("[data-test=confirm-sign-out]");
        await Expect(page).ToHaveURLAsync(new Regex("/account/login"));

        await SignInWithPasswordAsync(page, "/account/profile");
        await Expect(page).ToHaveURLAsync(new Regex("/account/login/code"));
        await page.FillAsync("input[name='Input.Code']", "000000");
        await page.ClickAsync("[data-test=verify-code]");
        await Expect(page.Locator("[data-test=code-error]")).ToContainTextAsync("not correct");
        await page.FillAsync("input[name='Input.Code']", Authenticator.Next(key));
        await page.ClickAsync("[data-test=verify-code]");
        await Expect(page).ToHaveURLAsync(new Regex("/account/profile$"));
        await Expect(page.Locator("[data-test=mfa-status]")).ToContainTextAsync("On:");
    }

    private static async Task SignInWithPasswordAsync(IPage page, string path)
    {
        await page.GotoAsync(path);
        await Expect(page).ToHaveURLAsync(new Regex("/account/login"));
        await page.FillAsync("input[name='Input.Email']", "agent@example.com");
        await page.FillAsync("input[name='Input.Password']", CookieSessions.Password);
        await page.ClickAsync("[data-test=sign-in]");
    }
}
