using System.Net;
using Kith.Core.Identity;

namespace Kith.Tests.Infrastructure;

public sealed class HostTests
{
    [Fact]
    public async Task HealthzAnswersWhenTheDatabaseDoes()
    {
        await using var host = await KithTestHost.StartAsync();
        var response = await host.AnonymousClient().GetAsync("/healthz", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task TheApiRefusesRequestsWithoutAToken()
    {
        await using var host = await KithTestHost.StartAsync();
        var response = await host.AnonymousClient().GetAsync("/api/v1/customers", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task TheOpenApiDocumentIsServed()
    {
        await using var host = await KithTestHost.StartAsync();
        var (_, client) = await host.UserWithClientAsync(Role.Admin);
        var response = await client.GetAsync("/openapi/v1.json", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
