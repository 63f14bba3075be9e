using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Kith.Core.Infrastructure.Migrations.Postgres;

/// <summary>
/// The behaviour summary as columns of customers (see Behavior/BehaviorSummaryColumns), so the list sorts and filters
/// them with the same partial (column, id) indexes as any other customer field. They are not in the EF model on
/// purpose: only the rollup writes them, by SQL, so no save of a customer can overwrite them with stale values.
/// </summary>
[DbContext(typeof(PostgresKithDb))]
[Migration("20260101000300_BehaviorSummary")]
public sealed class BehaviorSummary : Migration
{
    private static readonly (string Column, string Type)[] Columns =
    [
        ("behavior_first_seen_at", "timestamp with time zone"), ("behavior_last_seen_at", "timestamp with time zone"), ("behavior_last_purchase_at", "timestamp with time zone"),
        ("behavior_visits", "bigint"), ("behavior_likes", "bigint"), ("behavior_purchases", "bigint"), ("behavior_revenue_micros", "bigint"),
    ];

    protected override void Up(MigrationBuilder migrationBuilder)
    {
        foreach (var (column, type) in Columns)
        {
            migrationBuilder.Sql($"ALTER TABLE customers ADD COLUMN {column} {type} NULL;");
            migrationBuilder.Sql($"CREATE INDEX ix_customers_live_{column} ON customers ({column}, id) WHERE deleted_at IS NULL;");
        }
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        foreach (var (column, _) in Columns)
        {
            migrationBuilder.Sql($"DROP INDEX IF EXISTS ix_customers_live_{column};");
            migrationBuilder.Sql($"ALTER TABLE customers DROP COLUMN {column};");
        }
    }
}
