using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Kith.Core.Infrastructure.Migrations.Postgres;

/// <summary>
/// The tables and triggers of the SQLite migration of the same name (ADR-0020), in PostgreSQL's form.
/// <para>
/// The triggers run once per statement over its transition tables, so a bulk import marks its rows in one INSERT. A mark
/// that already exists is updated, not skipped: the row lock makes the catch-up, which deletes the marks it takes
/// before reading the customers, wait for this transaction, so it never takes a mark and then reads the state from
/// before the change that made it.
/// </para>
/// </summary>
[DbContext(typeof(PostgresKithDb))]
[Migration("20260101002000_CohortCounts")]
public sealed class CohortCounts : Migration
{
    private const string Upsert = "ON CONFLICT (customer_id) DO UPDATE SET customer_id = excluded.customer_id";

    private static readonly (string Name, string Table, string When, string Referencing, string Select)[] Triggers =
    [
        ("customer_inserted", "customers", "INSERT", "NEW TABLE AS new_rows", "SELECT DISTINCT id FROM new_rows"),
        ("customer_updated", "customers", "UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows",
            "SELECT DISTINCT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id " +
            "WHERE (o.owner_id, o.signup_date, o.created_at, o.deleted_at, o.merged_into_id) IS DISTINCT FROM (n.owner_id, n.signup_date, n.created_at, n.deleted_at, n.merged_into_id)"),
        ("customer_deleted", "customers", "DELETE", "OLD TABLE AS old_rows", "SELECT DISTINCT id FROM old_rows"),
        ("purchase_updated", "purchases", "UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows",
            "SELECT o.customer_id FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE (o.customer_id, o.ordered_at) IS DISTINCT FROM (n.customer_id, n.ordered_at) " +
            "UNION SELECT n.customer_id FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE (o.customer_id, o.ordered_at) IS DISTINCT FROM (n.customer_id, n.ordered_at)"),
        ("purchase_deleted", "purchases", "DELETE", "OLD TABLE AS old_rows", "SELECT DISTINCT customer_id FROM old_rows"),
    ];

    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("CREATE TABLE cohort_members (customer_id bigint NOT NULL PRIMARY KEY, owner_id bigint NOT NULL, signup_month integer NOT NULL, first_purchase_month integer NULL);");
        migrationBuilder.Sql("CREATE TABLE cohort_sizes (basis integer NOT NULL, owner_id bigint NOT NULL, cohort integer NOT NULL, customers bigint NOT NULL, " +
                             "PRIMARY KEY (basis, owner_id, cohort));");
        migrationBuilder.Sql("CREATE TABLE cohort_active (basis integer NOT NULL, type text NOT NULL, owner_id bigint NOT NULL, cohort integer NOT NULL, month_offset integer NOT NULL, " +
                             "customers bigint NOT NULL, PRIMARY KEY (basis, type, owner_id, cohort, month_offset));");
        migrationBuilder.Sql("CREATE TABLE cohort_stale (customer_id bigint NOT NULL PRIMARY KEY);");
        foreach (var (name, table, when, referencing, select) in Triggers)
        {
            migrationBuilder.Sql($"""
                CREATE FUNCTION cohort_stale_{name}() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    INSERT INTO cohort_stale (customer_id) SELECT x.id FROM ({select}) AS x(id) WHERE x.id IS NOT NULL {Upsert};
                    RETURN NULL;
                END;
                $$;
                """);
            migrationBuilder.Sql($"CREATE TRIGGER cohort_stale_{name} AFTER {when} ON {table} REFERENCING {referencing} FOR EACH STATEMENT EXECUTE FUNCTION cohort_stale_{name}();");
        }
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        foreach (var (name, table, _, _, _) in Triggers)
        {
            migrationBuilder.Sql($"DROP TRIGGER IF EXISTS cohort_stale_{name} ON {table};");
            migrationBuilder.Sql($"DROP FUNCTION IF EXISTS cohort_stale_{name}();");
        }
        foreach (var table in new[] { "cohort_stale", "cohort_active", "cohort_sizes", "cohort_members" })
            migrationBuilder.Sql($"DROP TABLE IF EXISTS {table};");
    }
}
