using Kith.Core.Customers;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Core.Tests.Customers;
using Kith.Tests.Infrastructure;

namespace Kith.Core.Tests.Tags;

public sealed class TagSetTests
{
    [Theory]
    [InlineData("vip,gold")]
    [InlineData("vip;gold")]
    [InlineData("重要，客户")]
    [InlineData("重要；客户")]
    [InlineData("重要、客户")]
    public async Task ATagHoldingWhatTheImporterReadsAsASeparatorIsRefused(string tag)
    {
        await using var kit = await RecordKit.StartAsync(DatabaseProvider.Sqlite);
        var admin = await kit.ScopeAsync(await kit.UserAsync(Role.Admin, "Ada"));
        var e = await Assert.ThrowsAsync<RuleViolation>(() => kit.CreateAsync(admin, new CustomerInput { Name = "Tagged", Tags = [tag] }));
        Assert.Contains("tags", e.Errors.Keys);
        var ok = await kit.CreateAsync(admin, new CustomerInput { Name = "Tagged", Tags = ["vip gold"] });
        Assert.Equal(["vip gold"], ok.Tags);
    }
}
