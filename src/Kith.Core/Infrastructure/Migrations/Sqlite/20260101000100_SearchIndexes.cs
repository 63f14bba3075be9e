using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Kith.Core.Infrastructure.Migrations.Sqlite;

/// <summary>
/// FTS5 indexes over the n-gram tokens of customers and companies (see SearchGrams), kept in step by triggers.
/// detail=none: search only needs to know which records hold every gram, not where.
/// </summary>
[DbContext(typeof(SqliteKithDb))]
[Migration("20260101000100_SearchIndexes")]
public sealed class SearchIndexes : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        foreach (var table in new[] { "customers", "companies" })
        {
            var fts = table + "_search";
            migrationBuilder.Sql($"CREATE VIRTUAL TABLE {fts} USING fts5(search_grams, content='{table}', content_rowid='id', detail=none, tokenize='ascii');");
            migrationBuilder.Sql($"CREATE TRIGGER {table}_search_ai AFTER INSERT ON {table} BEGIN INSERT INTO {fts}(rowid, search_grams) VALUES (new.id, new.search_grams); END;");
            migrationBuilder.Sql($"CREATE TRIGGER {table}_search_ad AFTER DELETE ON {table} BEGIN INSERT INTO {fts}({fts}, rowid, search_grams) VALUES ('delete', old.id, old.search_grams); END;");
            migrationBuilder.Sql($"CREATE TRIGGER {table}_search_au AFTER UPDATE OF search_grams ON {table} BEGIN INSERT INTO {fts}({fts}, rowid, search_grams) VALUES ('delete', old.id, old.search_grams); INSERT INTO {fts}(rowid, search_grams) VALUES (new.id, new.search_grams); END;");
        }
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        foreach (var table in new[] { "customers", "companies" })
        {
            migrationBuilder.Sql($"DROP TRIGGER IF EXISTS {table}_search_ai;");
            migrationBuilder.Sql($"DROP TRIGGER IF EXISTS {table}_search_ad;");
            migrationBuilder.Sql($"DROP TRIGGER IF EXISTS {table}_search_au;");
            migrationBuilder.Sql($"DROP TABLE IF EXISTS {table}_search;");
        }
    }
}
