using System.Text.RegularExpressions;
using Kith.Core.Identity;
using Kith.Tests.Browser;
using Kith.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Kith.Tests.Identity;

/// <summary>The interactive identity pages in Chromium: an admin adds a user, and a user creates and revokes a token.</summary>
public sealed class IdentityBrowserTests
{
    [Fact]
    public async Task AnAdminAddsAUserOnTheUsersPageAndTheNewUserCanSignIn()
    {
        await using var host = await KithTestHost.StartAsync();
        await host.CreateUserAsync("ada@example.com", Role.Admin);
        await using var session = await BrowserSession.StartAsync();
        var page = await session.NewPageAsync(host.Address);
        await SignInAsync(page, "ada@example.com", CookieSessions.Password, "/admin/users");

        await page.GetByText("Add a user").ClickAsync();
        await Field(page, "new-email").FillAsync("grace@example.com");
        await Field(page, "new-name").FillAsync("Grace Hopper");
        await Field(page, "new-password").FillAsync("password");
        await page.ClickAsync("[data-test=create-user]");
        await Expect(page.Locator("[data-test=users-message]")).ToContainTextAsync("too common");

        await Field(page, "new-password").FillAsync("a ship in port is safe");
        await page.ClickAsync("[data-test=create-user]");
        await Expect(page.Locator("[data-test=users]")).ToContainTextAsync("grace@example.com");

        var grace = await session.NewPageAsync(host.Address, 390, 844);
        await SignInAsync(grace, "grace@example.com", "a ship in port is safe", "/account/tokens");
    }

    [Fact]
    public async Task AUserCreatesATokenSeesItOnceAndRevokesItAtPhoneWidth()
    {
        await using var host = await KithTestHost.StartAsync();
        await host.CreateUserAsync("agent@example.com", Role.Agent);
        await using var session = await BrowserSession.StartAsync();
        var page = await session.NewPageAsync(host.Address, 390, 844);
        await SignInAsync(page, "agent@example.com", CookieSessions.Password, "/account/tokens");

        await Field(page, "token-name").FillAsync("spreadsheet sync");
        await page.ClickAsync("[data-test=create-token]");
        var secret = (await page.Locator("[data-test=token-secret]").TextContentAsync())!.Trim();
        Assert.StartsWith(ApiTokens.TokenPrefix, secret);

        var api = host.AnonymousClient();
        api.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", secret);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await api.GetAsync("/api/v1/tokens", TestContext.Current.CancellationToken)).StatusCode);

        await page.ClickAsync("[data-test=revoke-token]");
        await Expect(page.Locator("[data-test=tokens]")).ToContainTextAsync("Revoked");
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await api.GetAsync("/api/v1/tokens", TestContext.Current.CancellationToken)).StatusCode);

        var sideways = await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth > window.innerWidth + 1");
        Assert.False(sideways, "The tokens page scrolls sideways at phone width.");
    }

    private static async Task SignInAsync(IPage page, string email, string password, string path)
    {
        await page.GotoAsync(path);
        await Expect(page).ToHaveURLAsync(new Regex("/account/login"));
        await page.FillAsync("input[name='Input.Email']", email);
        await page.FillAsync("input[name='Input.Password']", password);
        await page.ClickAsync("[data-test=sign-in]");
        await Expect(page).ToHaveURLAsync(new Regex(Regex.Escape(path) + "$"));
        // Before the circuit connects the page is prerendered HTML that ignores clicks.
        await Expect(page.Locator("[data-interactive]")).ToHaveCountAsync(1);
    }

    private static ILocator Field(IPage page, string name) => page.Locator($"input[data-test={name}], [data-test={name}] input").First;
}
