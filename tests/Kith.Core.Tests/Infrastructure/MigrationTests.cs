using Kith.Core.Infrastructure;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

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

    [Fact]
    public async Task OnPostgresTheSummaryMovesFromCustomersIntoItsOwnTableAndNewCustomersGetARow()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Postgres, migrate: false);
        await using var db = database.Open();
        // A store from before ADR-0043: the summary as columns of customers.
        await db.GetService<IMigrator>().MigrateAsync("20260101000700_AuditAppendOnly", cancellationToken: ct);
        await db.Database.ExecuteSqlRawAsync("""
            INSERT INTO users (id, email, display_name, password_hash, role, language, is_disabled, security_stamp, created_at, mfa_last_step)
              VALUES (1, 'a@example.com', 'A', '', 'Admin', 'en', false, 's', now(), 0);
            INSERT INTO customers (id, name, phone_is_valid, owner_id, stage, custom_fields, created_at, updated_at, created_by_kind, updated_by_kind,
                                   version, search_text, search_grams, behavior_first_seen_at, behavior_last_seen_at, behavior_visits, behavior_purchases, behavior_revenue_micros)
              VALUES (1, 'Counted', false, 1, 'Lead', '{{}}', now(), now(), 'User', 'User', 1, '', '', '2025-01-02 03:04:05+00', '2025-02-03 04:05:06+00', 7, 2, 1500000),
                     (2, 'Never seen', false, 1, 'Lead', '{{}}', now(), now(), 'User', 'User', 1, '', '', NULL, NULL, NULL, NULL, NULL);
            """, ct);

        await DatabaseInitializer.MigrateAsync(db, ct);

        var moved = await db.Database.SqlQueryRaw<string>(
            "SELECT concat_ws(' ', id, behavior_first_seen_at AT TIME ZONE 'UTC', behavior_last_seen_at AT TIME ZONE 'UTC', behavior_visits, behavior_likes, behavior_purchases, behavior_revenue_micros) AS \"Value\" " +
            "FROM customer_behavior ORDER BY id").ToListAsync(ct);
        Assert.Equal(["1 2025-01-02 03:04:05 2025-02-03 04:05:06 7 2 1500000", "2"], moved);
        Assert.Equal([0], await db.Database.SqlQueryRaw<int>(
            "SELECT COUNT(*)::int AS \"Value\" FROM information_schema.columns WHERE table_name = 'customers' AND column_name LIKE 'behavior%'").ToListAsync(ct));
        // A customer added afterwards gets its (empty) row; one removed takes it along.
        await db.Database.ExecuteSqlRawAsync("""
            INSERT INTO customers (id, name, phone_is_valid, owner_id, stage, custom_fields, created_at, updated_at, created_by_kind, updated_by_kind, version, search_text, search_grams)
              VALUES (3, 'New', false, 1, 'Lead', '{{}}', now(), now(), 'User', 'User', 1, '', '');
            DELETE FROM customers WHERE id = 2;
            """, ct);
        Assert.Equal([1L, 3L], await db.Database.SqlQueryRaw<long>("SELECT id AS \"Value\" FROM customer_behavior ORDER BY id").ToListAsync(ct));
    }
}
