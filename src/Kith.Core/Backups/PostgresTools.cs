using System.Diagnostics;
using Npgsql;

namespace Kith.Core.Backups;

/// <summary>
/// Runs pg_dump and pg_restore from the PostgreSQL client tools. The connection is handed over in PG* environment
/// variables, so the password never shows on a command line (where `ps` would list it).
/// </summary>
internal static class PostgresTools
{
    public static string? Find(string tool)
    {
        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(folder, tool);
            if (File.Exists(candidate)) return candidate;
            if (OperatingSystem.IsWindows() && File.Exists(candidate + ".exe")) return candidate + ".exe";
        }
        return null;
    }

    public static bool Available => Find("pg_dump") is not null && Find("pg_restore") is not null;

    public static string Require(string tool) => Find(tool)
        ?? throw new BackupFailed($"{tool} is not on PATH. A PostgreSQL deployment is backed up with PostgreSQL's own tools: install the client tools of your server's version (for example `apt install postgresql-client-15`), or use the pg_dump route in docs/operations.md.");

    public static async Task RunAsync(string tool, IEnumerable<string> arguments, string connectionString, CancellationToken ct)
    {
        var info = new ProcessStartInfo(Require(tool)) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        var csb = new NpgsqlConnectionStringBuilder(connectionString);
        void Set(string name, object? value)
        {
            if (value is not null && value.ToString() is { Length: > 0 } text) info.Environment[name] = text;
        }
        Set("PGHOST", csb.Host);
        Set("PGPORT", csb.Port);
        Set("PGUSER", csb.Username);
        Set("PGPASSWORD", csb.Password);
        Set("PGDATABASE", csb.Database);
        if (csb.SslMode is SslMode.Require or SslMode.VerifyCA or SslMode.VerifyFull)
            Set("PGSSLMODE", csb.SslMode switch { SslMode.Require => "require", SslMode.VerifyCA => "verify-ca", _ => "verify-full" });
        using var process = Process.Start(info) ?? throw new BackupFailed($"{tool} could not be started.");
        var stderr = process.StandardError.ReadToEndAsync(ct);
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        try
        {
            await process.WaitForExitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        await stdout;
        if (process.ExitCode != 0)
            throw new BackupFailed($"{tool} failed (exit code {process.ExitCode}): {(await stderr).Trim()}");
    }
}
