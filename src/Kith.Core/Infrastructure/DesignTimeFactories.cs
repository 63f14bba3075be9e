using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Kith.Core.Infrastructure;

// Used only by `dotnet ef migrations add`; each provider keeps its own migrations folder.
internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteKithDb>
{
    public SqliteKithDb CreateDbContext(string[] args)
    {
        var b = new DbContextOptionsBuilder<SqliteKithDb>();
        DatabaseRegistration.ConfigureSqlite(b, "Data Source=design.db");
        return new SqliteKithDb(b.Options);
    }
}

internal sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresKithDb>
{
    public PostgresKithDb CreateDbContext(string[] args)
    {
        var b = new DbContextOptionsBuilder<PostgresKithDb>();
        DatabaseRegistration.ConfigurePostgres(b, "Host=localhost;Database=kith_design");
        return new PostgresKithDb(b.Options);
    }
}
