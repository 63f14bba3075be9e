using Kith.Tests.Infrastructure;

namespace Kith.Tests.Browser;

/// <summary>The UI's scripts and styles are served when the host runs from the test output folder, as `kith serve` does.</summary>
public sealed class StaticAssetsTests
{
    [Theory]
    [InlineData("/_framework/blazor.web.js", "javascript")]
    [InlineData("/_content/MudBlazor/MudBlazor.min.css", "css")]
    [InlineData("/_content/MudBlazor/MudBlazor.min.js", "javascript")]
    [InlineData("/app.css", "css")]
    public async Task TheUiAssetsAreServedFromTheBuildOutput(string path, string contentType)
    {
        await using var host = await KithTestHost.StartAsync();
        var response = await host.AnonymousClient().GetAsync(path, TestContext.Current.CancellationToken);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(contentType, response.Content.Headers.ContentType?.MediaType ?? "");
        Assert.True((await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken)).Length > 100);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/customers")]
    [InlineData("/companies/1")]
    public async Task AnAnonymousVisitorOfAPageIsSentToTheSignInPage(string path)
    {
        await using var host = await KithTestHost.StartAsync();
        var response = await host.AnonymousClient().GetAsync(path, TestContext.Current.CancellationToken);
        Assert.Equal(System.Net.HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/account/login", response.Headers.Location?.PathAndQuery ?? "");
    }
}
