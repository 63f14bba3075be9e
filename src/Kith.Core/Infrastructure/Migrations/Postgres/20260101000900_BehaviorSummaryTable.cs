using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Kith.Core.Infrastructure.Migrations.Postgres;

/// <summary>
/// On PostgreSQL the behaviour summary moves from customers into its own narrow table, <c>customer_behavior</c> (one row
/// per customer, same id, same column names), with a <c>(column, id)</c> index per column (ADR-0043). Rewriting a summary
/// then makes a new version of a row of some 80 bytes with eight index entries, instead of a customers row of 1.5 KB with
/// twenty-five (the trigram GIN index among them). Triggers keep one row per customer, so a list walks the index of a
/// summary column for the customers without a value too. SQLite keeps the columns on customers: it writes only the
/// indexes of the columns an update changes.
/// </summary>
[DbContext(typeof(PostgresKithDb))]
[Migration("20260101000900_BehaviorSummaryTable")]
public sealed class BehaviorSummaryTable : Migration
{
    internal static readonly (string Column, string Type)[] Columns =
    [
        ("behavior_first_seen_at", "timestamp with time zone"), ("behavior_last_seen_at", "timestamp with time zone"), ("behavior_last_purchase_at", "timestamp with time zone"),
        ("behavior_visits", "bigint"), ("behavior_likes", "bigint"), ("behavior_purchases", "bigint"), ("behavior_revenue_micros", "bigint"),
    ];

    protected override void Up(MigrationBuilder migrationBuilder)
    {
        var names = string.Join(", ", Columns.Select(c => c.Column));
        migrationBuilder.Sql($"CREATE TABLE customer_behavior (id bigint NOT NULL PRIMARY KEY, {string.Join(", ", Columns.Select(c => $"{c.Column} {c.Type} NULL"))});");
        migrationBuilder.Sql($"INSERT INTO customer_behavior (id, {names}) SELECT id, {names} FROM customers ORDER BY id;");
        foreach (var (column, _) in Columns)
        {
            migrationBuilder.Sql($"DROP INDEX IF EXISTS ix_customers_live_{column};");
            migrationBuilder.Sql($"ALTER TABLE customers DROP COLUMN {column};");
            migrationBuilder.Sql($"CREATE INDEX ix_customer_behavior_{column} ON customer_behavior ({column}, id);");
        }
        // Statement triggers with transition tables: one set-based insert or delete per statement (a COPY of a million
        // customers included), not a trigger call per row.
        migrationBuilder.Sql("""
            CREATE FUNCTION customer_behavior_insert() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              INSERT INTO customer_behavior (id) SELECT id FROM inserted_customers ON CONFLICT DO NOTHING;
              RETURN NULL;
            END $$;
            """);
        migrationBuilder.Sql("""
            CREATE FUNCTION customer_behavior_delete() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              DELETE FROM customer_behavior b USING deleted_customers d WHERE b.id = d.id;
              RETURN NULL;
            END $$;
            """);
        migrationBuilder.Sql("CREATE TRIGGER customers_behavior_insert AFTER INSERT ON customers REFERENCING NEW TABLE AS inserted_customers " +
                             "FOR EACH STATEMENT EXECUTE FUNCTION customer_behavior_insert();");
        migrationBuilder.Sql("CREATE TRIGGER customers_behavior_delete AFTER DELETE ON customers REFERENCING OLD TABLE AS deleted_customers " +
                             "FOR EACH STATEMENT EXECUTE FUNCTION customer_behavior_delete();");
        migrationBuilder.Sql("ANALYZE customer_behavior;");
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("DROP TRIGGER IF EXISTS customers_behavior_insert ON customers;");
        migrationBuilder.Sql("DROP TRIGGER IF EXISTS customers_behavior_delete ON customers;");
        migrationBuilder.Sql("DROP FUNCTION IF EXISTS customer_behavior_insert();");
        migrationBuilder.Sql("DROP FUNCTION IF EXISTS customer_behavior_delete();");
        foreach (var (column, type) in Columns)
        {
            migrationBuilder.Sql($"ALTER TABLE customers ADD COLUMN {column} {type} NULL;");
        }
        migrationBuilder.Sql($"UPDATE customers c SET {string.Join(", ", Columns.Select(x => $"{x.Column} = b.{x.Column}"))} FROM customer_behavior b WHERE b.id = c.id;");
        foreach (var (column, _) in Columns)
            migrationBuilder.Sql($"CREATE INDEX ix_customers_live_{column} ON customers ({column}, id) WHERE deleted_at IS NULL;");
        migrationBuilder.Sql("DROP TABLE customer_behavior;");
    }
}
