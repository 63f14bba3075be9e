using Kith.Core.Customers;
using Kith.Core.Duplicates;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Tests.Infrastructure;
using static Kith.Tests.Infrastructure.CommandRunner;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kith.Tests.Duplicates;

/// <summary>`kith duplicates scan` against the database of a running host. It swaps Console.Out and Error, so it runs alone.</summary>
[Collection("Console")]
public sealed class DuplicatesCommandTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ScanPrintsProgressOnStandardErrorAndTheCountsOnStandardOutput()
    {
        await using var host = await KithTestHost.StartAsync();
        var adminId = await host.CreateUserAsync("ada@example.com", Role.Admin);
        await using (var scope = host.Services.CreateAsyncScope())
        {
            var access = await AccessScope.ForUserAsync(scope.ServiceProvider.GetRequiredService<KithDb>(), adminId, Ct) ?? throw new InvalidOperationException();
            var create = scope.ServiceProvider.GetRequiredService<CreateCustomer>();
            var ids = new List<long>();
            foreach (var (name, email) in new[] { ("张伟", "zw@example.cn"), ("张伟", "zw@other.example.cn"), ("Lucas Martin", "lucas@example.eu") })
                ids.Add((await create.HandleAsync(new CustomerInput { Name = name, Email = email }, access, ActorKind.User, Ct)).Id);
            // A second live customer with the same email cannot be created (ADR-0018), but an edit can make one.
            await scope.ServiceProvider.GetRequiredService<UpdateCustomer>().PatchAsync(ids[1],
                System.Text.Json.JsonDocument.Parse("{\"email\":\"ZW@example.cn\"}").RootElement, null, access, ActorKind.User, Ct);
        }

        var (code, output, error) = await RunAsync("duplicates", "scan", "--data", host.Database.Folder);

        Assert.Equal(0, code);
        Assert.Contains("Scanned 3 customers", output);
        Assert.Contains("Pairs found: 1 (1 new,", output);
        Assert.Contains("Open for review: 1.", output);
        Assert.Contains("Scanning", error);
        Assert.DoesNotContain("Scanning", output);
        await using var db = host.OpenDb();
        Assert.Equal(DuplicateStatus.Open, (await db.DuplicatePairs.SingleAsync(Ct)).Status);
    }
}
