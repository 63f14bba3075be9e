using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Kith.Core.Infrastructure.Migrations.Postgres;

/// <summary>The score indexes with the customer id after the score; see the SQLite migration of the same name (ADR-0051).</summary>
[DbContext(typeof(PostgresKithDb))]
[Migration("20260101001000_ScoreSortIndexes")]
public sealed class ScoreSortIndexes : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) => Sqlite.ScoreSortIndexes.Apply(migrationBuilder, up: true);

    protected override void Down(MigrationBuilder migrationBuilder) => Sqlite.ScoreSortIndexes.Apply(migrationBuilder, up: false);
}
