using System.Net;
using Kith.Core.Identity;
using Kith.Tests.Identity;
using Kith.Tests.Infrastructure;

namespace Kith.Tests.Segments;

/// <summary>The segment pages as the server renders them.</summary>
public sealed class SegmentPagesTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task WhenMembersWereRecordedShowsInUtcAsEveryOtherTimeDoes()
    {
        await using var host = await KithTestHost.StartAsync();
        var (_, admin) = await host.UserWithClientAsync(Role.Admin, "ada@example.com");
        await admin.PostJsonAsync("/api/v1/customers", new { name = "Ann", stage = "customer" });
        var segment = await (await admin.PostJsonAsync("/api/v1/segments", new { name = "Customers", filter = "stage eq customer" })).JsonAsync();
        var id = segment.GetProperty("id").GetInt64();
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/api/v1/segments/{id}/refresh", null, Ct)).StatusCode);
        var browser = await host.SignedInClientAsync("ada@example.com");

        // The server's own time zone is nobody's: a time without its zone, in the server's zone, misleads.
        var utcTime = new System.Text.RegularExpressions.Regex(@"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC");
        Assert.Matches(utcTime, WebUtility.HtmlDecode(await browser.GetStringAsync("/segments", Ct)));
        Assert.Matches(utcTime, WebUtility.HtmlDecode(await browser.GetStringAsync($"/segments/{id}", Ct)));
    }
}
