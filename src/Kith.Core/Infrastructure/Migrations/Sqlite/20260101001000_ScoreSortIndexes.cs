using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Kith.Core.Infrastructure.Migrations.Sqlite;

/// <summary>
/// The customer list sorts by churnRisk and expectedValue (ADR-0051): a page is a range of (score, customer_id) in
/// customer_scores, so the score indexes hold the customer id after the score. Without it PostgreSQL sorts each run of
/// equal scores (the generated L data has 556 distinct risks for 977,669 customers) and cannot seek past the last row
/// of a page. SQLite's index already ended with the rowid (customer_id); it is rebuilt the same, for one model. IF EXISTS and IF NOT EXISTS keep it working over an InitialCreate regenerated from the model.
/// </summary>
[DbContext(typeof(SqliteKithDb))]
[Migration("20260101001000_ScoreSortIndexes")]
public sealed class ScoreSortIndexes : Migration
{
    private static readonly string[] Columns = ["churn_risk", "expected_value_micros"];

    protected override void Up(MigrationBuilder migrationBuilder) => Apply(migrationBuilder, up: true);

    protected override void Down(MigrationBuilder migrationBuilder) => Apply(migrationBuilder, up: false);

    /// <summary>The same statements on both databases (PostgreSQL's migration calls this one).</summary>
    internal static void Apply(MigrationBuilder migrationBuilder, bool up)
    {
        foreach (var column in Columns)
        {
            var (from, to) = up ? ($"ix_customer_scores_{column}", $"ix_customer_scores_{column}_customer_id") : ($"ix_customer_scores_{column}_customer_id", $"ix_customer_scores_{column}");
            migrationBuilder.Sql($"DROP INDEX IF EXISTS {from};");
            migrationBuilder.Sql($"CREATE INDEX IF NOT EXISTS {to} ON customer_scores ({column}{(up ? ", customer_id" : "")});");
        }
    }
}
