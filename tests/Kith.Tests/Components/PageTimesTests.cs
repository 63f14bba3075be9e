using System.Net;
using System.Text.RegularExpressions;
using Kith.Core.Identity;
using Kith.Tests.Identity;
using Kith.Tests.Infrastructure;

namespace Kith.Tests.Components;

/// <summary>
/// Times on the account and administration pages, as the server renders them: in UTC and saying so, as on every other
/// page (Texts.When). The server's own time zone is nobody's, and these pages printed it without naming it.
/// </summary>
public sealed class PageTimesTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SignInsTokensSessionsAndTheAuditTrailShowTheirTimesInUtc()
    {
        await using var host = await KithTestHost.StartAsync();
        var (_, admin) = await host.UserWithClientAsync(Role.Admin, "ada@example.com");
        await admin.PostJsonAsync("/api/v1/customers", new { name = "Ann" });
        var browser = await host.SignedInClientAsync("ada@example.com");

        var minutes = new Regex(@"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC");
        foreach (var page in new[] { "/admin/users", "/account/tokens", "/account/profile" })
            Assert.Matches(minutes, WebUtility.HtmlDecode(await browser.GetStringAsync(page, Ct)));
        // The audit trail keeps its seconds: close events are told apart by them.
        Assert.Matches(new Regex(@"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC"), WebUtility.HtmlDecode(await browser.GetStringAsync("/admin/audit", Ct)));
    }
}
