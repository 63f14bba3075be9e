using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Kith.Core.Infrastructure.Migrations.Postgres;

/// <summary>GIN indexes over the n-gram tokens of customers and companies (see SearchGrams), queried with @&gt;.</summary>
[DbContext(typeof(PostgresKithDb))]
[Migration("20260101000100_SearchIndexes")]
public sealed class SearchIndexes : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        foreach (var table in new[] { "customers", "companies" })
            migrationBuilder.Sql($"CREATE INDEX ix_{table}_search_grams ON {table} USING gin (string_to_array(search_grams, ' ')) WHERE deleted_at IS NULL;");
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        foreach (var table in new[] { "customers", "companies" })
            migrationBuilder.Sql($"DROP INDEX IF EXISTS ix_{table}_search_grams;");
    }
}
