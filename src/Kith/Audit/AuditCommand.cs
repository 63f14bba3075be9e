using System.CommandLine;
using Kith.Cli;
using Kith.Core.Audit;

namespace Kith.Audit;

/// <summary>`kith audit verify` and `kith audit purge`, on the database the global options name.</summary>
internal static class AuditCommand
{
    public const int Broken = 3;

    public static Command Build()
    {
        var command = new Command("audit", "Check the audit trail's hash chain, or purge entries past their retention.");
        command.Subcommands.Add(Verify());
        command.Subcommands.Add(Purge());
        return command;
    }

    private static Command Verify()
    {
        var command = new Command("verify", $"Recompute every entry's hash; exit code {Broken} and the first broken entry when the chain was tampered with.");
        command.SetAction(async (parse, ct) =>
        {
            var result = new AuditVerification(true, 0, null, null, null);
            var code = await UsersCommand.RunAsync(parse, ct, async db => result = await new VerifyAuditTrail(db).HandleAsync(ct));
            if (code != 0) return code;
            if (result.Intact)
            {
                Console.Out.WriteLine($"The audit trail is intact: {result.Checked} entries checked.");
                return 0;
            }
            Console.Out.WriteLine($"The audit trail is broken at entry {result.BrokenSequence}: {result.Problem} ({result.Checked} entries before it are intact.)");
            return Broken;
        });
        return command;
    }

    private static Command Purge()
    {
        var days = new Option<int?>("--days") { Description = "Keep this many days instead of the retention setting." };
        var command = new Command("purge", "Remove entries older than the retention period; the rest stays verifiable.");
        command.Options.Add(days);
        command.SetAction((parse, ct) => UsersCommand.RunAsync(parse, ct, async db =>
        {
            var removed = await new PurgeAuditTrail(db, new AuditRetention(db), TimeProvider.System).HandleAsync(parse.GetValue(days), ct);
            Console.Out.WriteLine($"Removed {removed} audit entries.");
        }));
        return command;
    }
}
