using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Kith.Core.Infrastructure.Migrations.Sqlite;

/// <summary>
/// The cohort retention counts kept by the behaviour catch-up (ADR-0020, Analytics/CohortCounts): each live
/// customer's cohort months, and the cube of cohort sizes and active customers they add up to. Not in the EF model,
/// like the behaviour summary columns: only the catch-up writes them, by SQL. The triggers mark a customer whose cohort
/// or reach changes (created, owner, signup date, deleted, merged, erased, a purchase moved or removed) so the next
/// catch-up counts them again, whichever code path made the change.
/// </summary>
[DbContext(typeof(SqliteKithDb))]
[Migration("20260101002000_CohortCounts")]
public sealed class CohortCounts : Migration
{
    private const string Mark = "INSERT OR IGNORE INTO cohort_stale (customer_id) VALUES";

    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("CREATE TABLE cohort_members (customer_id INTEGER NOT NULL PRIMARY KEY, owner_id INTEGER NOT NULL, signup_month INTEGER NOT NULL, first_purchase_month INTEGER NULL);");
        migrationBuilder.Sql("CREATE TABLE cohort_sizes (basis INTEGER NOT NULL, owner_id INTEGER NOT NULL, cohort INTEGER NOT NULL, customers INTEGER NOT NULL, " +
                             "PRIMARY KEY (basis, owner_id, cohort)) WITHOUT ROWID;");
        migrationBuilder.Sql("CREATE TABLE cohort_active (basis INTEGER NOT NULL, type TEXT NOT NULL, owner_id INTEGER NOT NULL, cohort INTEGER NOT NULL, month_offset INTEGER NOT NULL, " +
                             "customers INTEGER NOT NULL, PRIMARY KEY (basis, type, owner_id, cohort, month_offset)) WITHOUT ROWID;");
        migrationBuilder.Sql("CREATE TABLE cohort_stale (customer_id INTEGER NOT NULL PRIMARY KEY);");
        migrationBuilder.Sql($"CREATE TRIGGER cohort_stale_customer_inserted AFTER INSERT ON customers BEGIN {Mark} (new.id); END;");
        migrationBuilder.Sql("CREATE TRIGGER cohort_stale_customer_updated AFTER UPDATE OF owner_id, signup_date, created_at, deleted_at, merged_into_id ON customers " +
                             "WHEN old.owner_id IS NOT new.owner_id OR old.signup_date IS NOT new.signup_date OR old.created_at IS NOT new.created_at " +
                             "OR old.deleted_at IS NOT new.deleted_at OR old.merged_into_id IS NOT new.merged_into_id " +
                             $"BEGIN {Mark} (new.id); END;");
        migrationBuilder.Sql($"CREATE TRIGGER cohort_stale_customer_deleted AFTER DELETE ON customers BEGIN {Mark} (old.id); END;");
        migrationBuilder.Sql("CREATE TRIGGER cohort_stale_purchase_updated AFTER UPDATE OF customer_id, ordered_at ON purchases " +
                             "WHEN old.customer_id IS NOT new.customer_id OR old.ordered_at IS NOT new.ordered_at " +
                             $"BEGIN {Mark} (old.customer_id); {Mark} (new.customer_id); END;");
        migrationBuilder.Sql($"CREATE TRIGGER cohort_stale_purchase_deleted AFTER DELETE ON purchases BEGIN {Mark} (old.customer_id); END;");
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        foreach (var trigger in new[] { "customer_inserted", "customer_updated", "customer_deleted", "purchase_updated", "purchase_deleted" })
            migrationBuilder.Sql($"DROP TRIGGER IF EXISTS cohort_stale_{trigger};");
        foreach (var table in new[] { "cohort_stale", "cohort_active", "cohort_sizes", "cohort_members" })
            migrationBuilder.Sql($"DROP TABLE IF EXISTS {table};");
    }
}
