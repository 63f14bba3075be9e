using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Kith.Core.Infrastructure.Migrations.Sqlite;

/// <summary>
/// The audit trail is append-only in the database too: triggers refuse every UPDATE of an entry and every DELETE
/// except inside the retention purge (which raises audit_chains.purging in its own transaction). Whoever holds the
/// database file can still drop them; the hash chain is what shows that they did.
/// </summary>
[DbContext(typeof(SqliteKithDb))]
[Migration("20260101000700_AuditAppendOnly")]
public sealed class AuditAppendOnly : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries BEGIN SELECT RAISE(ABORT, 'audit entries are append-only: UPDATE refused'); END;");
        migrationBuilder.Sql("CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries WHEN NOT (SELECT purging FROM audit_chains WHERE id = 1) BEGIN SELECT RAISE(ABORT, 'audit entries are append-only: DELETE refused'); END;");
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("DROP TRIGGER IF EXISTS audit_entries_no_update;");
        migrationBuilder.Sql("DROP TRIGGER IF EXISTS audit_entries_no_delete;");
    }
}
