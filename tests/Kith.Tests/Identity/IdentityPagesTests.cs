using System.Net;
using Kith.Core.Identity;
using Kith.Tests.Infrastructure;

namespace Kith.Tests.Identity;

public sealed class IdentityPagesTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("/admin/users", "admin@example.com")]
    [InlineData("/admin/teams", "North")]
    [InlineData("/admin/roles", "Admin")]
    [InlineData("/account/tokens", "API tokens")]
    [InlineData("/account/profile", "admin@example.com")]
    public async Task AnAdministratorOpensTheIdentityPages(string path, string expected)
    {
        await using var host = await KithTestHost.StartAsync();
        var adminId = await host.CreateUserAsync("admin@example.com", Role.Admin);
        await host.AddToTeamAsync("North", adminId);
        var browser = await host.SignedInClientAsync("admin@example.com");
        var response = await browser.GetAsync(path, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(expected, await response.Content.ReadAsStringAsync(Ct));
    }

    [Theory]
    [InlineData("/admin/users")]
    [InlineData("/admin/teams")]
    [InlineData("/admin/roles")]
    public async Task AnAgentIsKeptOutOfTheAdminPagesAndAnAnonymousVisitorIsSentToSignIn(string path)
    {
        await using var host = await KithTestHost.StartAsync();
        await host.CreateUserAsync("agent@example.com", Role.Agent);
        var browser = await host.SignedInClientAsync("agent@example.com");
        var denied = await browser.GetAsync(path, Ct);
        Assert.Equal(HttpStatusCode.Redirect, denied.StatusCode);
        Assert.Contains("/account/denied", denied.Headers.Location!.OriginalString);
        Assert.DoesNotContain("agent@example.com", await denied.Content.ReadAsStringAsync(Ct));

        var anonymous = await host.Browser().GetAsync(path, Ct);
        Assert.Equal(HttpStatusCode.Redirect, anonymous.StatusCode);
        Assert.Contains("/account/login", anonymous.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task TheSignInPageSendsTheFirstVisitorToSetupAndIsInChineseForAChineseVisitor()
    {
        await using var host = await KithTestHost.StartAsync();
        var first = await host.Browser().GetAsync("/account/login", Ct);
        Assert.Equal(HttpStatusCode.Redirect, first.StatusCode);
        Assert.EndsWith("/account/setup", first.Headers.Location!.OriginalString);

        await host.CreateUserAsync("agent@example.com", Role.Agent);
        var chinese = host.Browser();
        chinese.DefaultRequestHeaders.AcceptLanguage.ParseAdd("zh-CN,zh;q=0.9");
        var page = WebUtility.HtmlDecode(await chinese.GetStringAsync("/account/login", Ct));
        Assert.Contains("登录", page);
        Assert.Contains("密码", page);
    }
}
