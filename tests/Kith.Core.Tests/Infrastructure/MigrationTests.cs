using Kith.Core.Infrastructure;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Tests.Infrastructure;

public sealed class MigrationTests
{
    [Theory]
    [ClassData(typeof(Providers))]
    public async Task MigrationsCreateEverySchemaObjectTheModelNeeds(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var db = database.Open();
        Assert.Empty(await db.Database.GetPendingMigrationsAsync(TestContext.Current.CancellationToken));
        Assert.False(db.Database.HasPendingModelChanges(), "The model changed without a migration: run scripts/regen-migrations.sh");
        Assert.Equal(4, await db.RolePolicies.CountAsync(TestContext.Current.CancellationToken));
    }
}
