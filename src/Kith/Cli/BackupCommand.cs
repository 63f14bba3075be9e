using System.CommandLine;
using Kith.Components.Shared;
using Kith.Core.Backups;

namespace Kith.Cli;

/// <summary>
/// `kith backup --out FILE`, `kith backup verify FILE` and `kith restore FILE`: the handlers in Kith.Core.Backups
/// with a progress bar. A backup can be taken while `kith serve` runs; a restore needs the server stopped.
/// </summary>
internal static class BackupCommand
{
    public static Command Build()
    {
        var output = new Option<FileInfo?>("--out") { Description = "The archive to write, e.g. kith-2026-11-27.zip." };
        var includeKey = new Option<bool>("--include-key")
        {
            Description = "Also put data/secret.key in the archive. Whoever has both can read every saved mailbox password; keep such a backup as safe as the key.",
        };
        var command = new Command("backup", "Back up the database, attachments and (with --include-key) the secret key into one archive, while Kith runs.");
        command.Options.Add(output);
        command.Options.Add(includeKey);
        command.Subcommands.Add(Verify());
        command.SetAction(async (parse, ct) =>
        {
            var file = parse.GetValue(output) ?? throw new ArgumentException("Say where to write the backup: kith backup --out FILE.");
            var database = KithCommandLine.DatabaseOptions(parse);
            var bar = new TerminalProgress("backup");
            return await ReportFailureAsync(database, Core.Audit.AuditActions.Backup, file.FullName, ct, async () =>
            {
                var manifest = await new CreateBackup(database, TimeProvider.System).RunAsync(file.FullName, parse.GetValue(includeKey), Shown(bar), ct);
                bar.Done();
                await RecordAsync(database, Core.Audit.AuditActions.Backup, file.FullName,
                    BackupAudit.Details(file.FullName, "ok", trigger: "cli", extra: new { rows = manifest.Tables.Sum(t => t.Rows), withKey = manifest.IncludesSecretKey }), false, ct);
                Console.Out.WriteLine($"Backed up {manifest.Tables.Sum(t => t.Rows):N0} rows in {manifest.Tables.Count} tables and {manifest.Files.Count - 1} files to {file.FullName}.");
                if (!manifest.IncludesSecretKey)
                    await Console.Error.WriteLineAsync(
                        $"NOTE: secret.key and field-keys.json are NOT in this backup. Without them, saved mailbox passwords and fields marked sensitive cannot be read after a restore. " +
                        $"Keep a copy of {Path.Combine(database.DataDirectory, Core.Infrastructure.SecretBox.KeyFileName)} and {Core.SensitiveFields.FieldKeyRing.PathFor(database)} somewhere safe and apart from the backups, or pass --include-key.");
                return 0;
            });
        });
        return command;
    }

    public static Command Restore()
    {
        var archive = new Argument<FileInfo>("file") { Description = "The backup archive written by `kith backup`." };
        var force = new Option<bool>("--force") { Description = "Replace the database and attachments already in the target." };
        var command = new Command("restore", "Restore a backup into --data (and, for PostgreSQL, the database named by --database). Stop Kith first.");
        command.Arguments.Add(archive);
        command.Options.Add(force);
        command.SetAction(async (parse, ct) =>
        {
            var database = KithCommandLine.DatabaseOptions(parse);
            var bar = new TerminalProgress("restore");
            var file = parse.GetValue(archive)!.FullName;
            return await ReportFailureAsync(database, Core.Audit.AuditActions.BackupRestored, file, ct, async () =>
            {
                var outcome = await new RestoreBackup().RunAsync(file, database, parse.GetValue(force), Shown(bar), ct);
                bar.Done();
                // Into the restored database, brought up to date first: the trail then says when and from what it came back.
                await RecordAsync(database, Core.Audit.AuditActions.BackupRestored, file,
                    BackupAudit.Details(file, "ok", trigger: "cli", extra: new { backupCreatedAt = outcome.Manifest.CreatedAt, rows = outcome.Manifest.Tables.Sum(t => t.Rows) }), true, ct);
                Console.Out.WriteLine($"Restored the backup of {outcome.Manifest.CreatedAt:u} ({outcome.Manifest.Tables.Sum(t => t.Rows):N0} rows) into {database.DataDirectory}. Start Kith with `kith serve`; migrations bring it up to date.");
                foreach (var warning in outcome.Warnings) await Console.Error.WriteLineAsync("WARNING: " + warning);
                return 0;
            });
        });
        return command;
    }

    private static Command Verify()
    {
        var archive = new Argument<FileInfo>("file") { Description = "The backup archive to check." };
        var command = new Command("verify", "Restore a backup into a scratch folder (or scratch PostgreSQL database on --database's server) and compare it with its manifest.");
        command.Arguments.Add(archive);
        command.SetAction(async (parse, ct) =>
        {
            var server = parse.GetValue(KithCommandLine.Database) ?? Environment.GetEnvironmentVariable("KITH_DATABASE");
            var bar = new TerminalProgress("verify");
            var file = parse.GetValue(archive)!.FullName;
            var outcome = await new VerifyBackup().RunAsync(file, server, Shown(bar), ct);
            bar.Done();
            // Recorded in the trail of the Kith that --data / --database name, when there is one (verify itself needs none).
            if (TryDatabaseOptions(parse) is { } database)
                await RecordAsync(database, Core.Audit.AuditActions.BackupVerified, file,
                    BackupAudit.Details(file, outcome.Ok ? "ok" : "failed", outcome.Ok ? null : string.Join(" ", outcome.Problems), "cli"), false, ct);
            if (outcome.Ok)
            {
                Console.Out.WriteLine($"OK: {outcome.Manifest!.Tables.Count} tables ({outcome.Manifest.Tables.Sum(t => t.Rows):N0} rows) and {outcome.Manifest.Files.Count} files match the manifest of {outcome.Manifest.CreatedAt:u}.");
                return 0;
            }
            Console.Out.WriteLine("FAILED: the backup does not match its manifest:");
            foreach (var problem in outcome.Problems) Console.Out.WriteLine("  " + problem);
            return 1;
        });
        return command;
    }

    private static ShownProgress<BackupProgress> Shown(TerminalProgress bar) =>
        new(p => bar.Draw(p.Fraction, p.Detail.Length > 0 ? $"{p.Phase}: {p.Detail}" : p.Phase, p.Fraction >= 1));

    private static async Task<int> ReportFailureAsync(Core.Infrastructure.DatabaseOptions database, string action, string archive, CancellationToken ct, Func<Task<int>> run)
    {
        try
        {
            return await run();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await RecordAsync(database, action, archive, BackupAudit.Details(archive, "failed", e.Message, "cli"), false, ct);
            if (e is not BackupFailed) throw;
            await Console.Error.WriteLineAsync();
            await Console.Error.WriteLineAsync($"kith: {e.Message}");
            return 1;
        }
    }

    private static async Task RecordAsync(Core.Infrastructure.DatabaseOptions database, string action, string archive, object details, bool migrate, CancellationToken ct)
    {
        if (await BackupAudit.TryRecordAsync(database, action, archive, details, migrate, ct) is { } why)
            await Console.Error.WriteLineAsync($"NOTE: not recorded in the audit trail: {why}.");
    }

    private static Core.Infrastructure.DatabaseOptions? TryDatabaseOptions(ParseResult parse)
    {
        try
        {
            return KithCommandLine.DatabaseOptions(parse);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }
}
