using System.Text.RegularExpressions;
using Kith.Core.Identity;
using Kith.Tests.Browser;
using Kith.Tests.Identity;
using Kith.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Kith.Tests.Audit;

/// <summary>The audit trail page in Chromium: an admin filters, verifies the chain, exports and sets the retention.</summary>
public sealed class AuditBrowserTests
{
    [Fact]
    public async Task AnAdminFindsAFailedSignInVerifiesTheChainAndExportsWhatTheFilterShows()
    {
        await using var host = await KithTestHost.StartAsync();
        await host.CreateUserAsync("ada@example.com", Role.Admin);
        await CookieSessions.SubmitLoginAsync(host.Browser(), "mallory@example.com", "guessing away");
        await using var session = await BrowserSession.StartAsync();
        var page = await session.NewPageAsync(host.Address);
        await page.GotoAsync("/admin/audit");
        await Expect(page).ToHaveURLAsync(new Regex("/account/login"));
        await page.FillAsync("input[name='Input.Email']", "ada@example.com");
        await page.FillAsync("input[name='Input.Password']", CookieSessions.Password);
        await page.ClickAsync("[data-test=sign-in]");
        await Expect(page).ToHaveURLAsync(new Regex("/admin/audit$"));
        await Expect(page.Locator("[data-interactive]")).ToHaveCountAsync(1);

        var rows = page.Locator("[data-test=audit-entries] tbody tr");
        await Expect(rows).ToHaveCountAsync(2);
        await Expect(rows.First).ToContainTextAsync("signin.succeeded");

        await Field(page, "audit-action").FillAsync("signin.failed");
        await page.ClickAsync("[data-test=audit-search]");
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(rows.First).ToContainTextAsync("mallory@example.com");

        await page.ClickAsync("[data-test=audit-verify]");
        await Expect(page.Locator("[data-test=audit-message]")).ToContainTextAsync("The chain is intact: 2 entries checked.");

        var href = await page.Locator("[data-test=audit-export]").GetAttributeAsync("href");
        Assert.Equal("/admin/audit/export?action=signin.failed", href);
        var download = await page.APIRequest.GetAsync(href!);
        Assert.Equal(200, download.Status);
        var csv = await download.TextAsync();
        Assert.Contains("mallory@example.com", csv);
        Assert.DoesNotContain("ada@example.com", csv);

        await Field(page, "audit-retention").FillAsync("90");
        await page.ClickAsync("[data-test=audit-retention-save]");
        await Expect(page.Locator("[data-test=audit-message]")).ToContainTextAsync("Entries are kept for 90 days.");
    }

    private static ILocator Field(IPage page, string name) => page.Locator($"input[data-test={name}], [data-test={name}] input").First;
}
