using System.CommandLine;
using Kith.Core.Infrastructure;

namespace Kith.Cli;

/// <summary>
/// The `kith` program. Commands only read their arguments and call the same handlers the API and UI call.
/// Global options name the database: --data DIR, --provider sqlite|postgres, --database CONNECTION-STRING
/// (or KITH_PROVIDER and KITH_DATABASE).
/// </summary>
public static class KithCommandLine
{
    public static readonly Option<string?> Data = new("--data")
    {
        Description = "Folder for the SQLite database and other files (default ./data, or KITH_DATA).",
        Recursive = true,
    };

    public static readonly Option<string?> Provider = new("--provider")
    {
        Description = "Database provider: sqlite (default) or postgres (or KITH_PROVIDER).",
        Recursive = true,
    };

    public static readonly Option<string?> Database = new("--database")
    {
        Description = "Database connection string (or KITH_DATABASE); required for postgres.",
        Recursive = true,
    };

    public static RootCommand Build()
    {
        var root = new RootCommand("Kith: a self-hosted CRM. Run `kith serve` to start the web UI and API.");
        root.Options.Add(Data);
        root.Options.Add(Provider);
        root.Options.Add(Database);
        root.Subcommands.Add(ServeCommand.Build());
        foreach (var command in ExtraCommands()) root.Subcommands.Add(command);
        return root;
    }

    /// <summary>Subcommands added by features (users, tokens, …).</summary>
    private static IEnumerable<Command> ExtraCommands()
    {
        yield return UsersCommand.Build();
        yield return TokensCommand.Build();
        yield return Kith.Exporting.ExportCommand.Build();
        yield return ImportCommand.Build();
        yield return DuplicatesCommand.Build();
        yield return AnalyzeCommand.Build();
        yield return BackupCommand.Build();
        yield return BackupCommand.Restore();
        yield return Kith.Audit.AuditCommand.Build();
        yield return KeysCommand.Fields();
        yield return KeysCommand.Keys();
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var parse = Build().Parse(args);
        try
        {
            return await parse.InvokeAsync();
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync($"kith: {e.Message}");
            return 2;
        }
    }

    public static DatabaseOptions DatabaseOptions(ParseResult parse) =>
        Core.Infrastructure.DatabaseOptions.Resolve(parse.GetValue(Data), parse.GetValue(Provider), parse.GetValue(Database));

    /// <summary>Opens the database and applies migrations, for commands that work without the server.</summary>
    /// <param name="optimize">false for a command that optimizes itself after changing many rows (see <see cref="DatabaseInitializer.MigrateAsync(KithDb, IProgress{Core.Search.SearchIndexProgress}, CancellationToken, bool)"/>).</param>
    public static async Task<KithDb> OpenDatabaseAsync(ParseResult parse, CancellationToken ct, bool optimize = true)
    {
        var db = DatabaseRegistration.Open(DatabaseOptions(parse));
        db.AuditWho = Core.Audit.AuditWho.Cli;
        var bar = new SearchIndexBar();
        await DatabaseInitializer.MigrateAsync(db, bar, ct, optimize);
        bar.Done();
        return db;
    }
}
