using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Kith.Core.Infrastructure.Migrations.Sqlite;

/// <summary>
/// On SQLite the default sort's index of customers and companies, (updated_at, id) of live records, also holds
/// owner_id, deleted_at and search_text, so a search that walks it (a dense one: most records match, and the page
/// fills after a few hundred entries) reads no table row: the owner test and the LIKE run on the index entry alone.
/// Same name as the EF model's index, so the model and the snapshot are unchanged; deleted_at is in the columns
/// because SQLite counts a partial index's own condition as a column to read. PostgreSQL keeps the narrow index:
/// its b-tree entries are limited to about 2.7 kB, which a long search text could pass.
/// </summary>
[DbContext(typeof(SqliteKithDb))]
[Migration("20260101000800_SearchCoveringIndex")]
public sealed class SearchCoveringIndex : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        foreach (var table in new[] { "customers", "companies" })
        {
            migrationBuilder.Sql($"DROP INDEX IF EXISTS ix_{table}_live_updated_at;");
            migrationBuilder.Sql($"CREATE INDEX ix_{table}_live_updated_at ON {table} (updated_at, id, owner_id, deleted_at, search_text) WHERE deleted_at IS NULL;");
        }
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        foreach (var table in new[] { "customers", "companies" })
        {
            migrationBuilder.Sql($"DROP INDEX IF EXISTS ix_{table}_live_updated_at;");
            migrationBuilder.Sql($"CREATE INDEX ix_{table}_live_updated_at ON {table} (updated_at, id) WHERE deleted_at IS NULL;");
        }
    }
}
