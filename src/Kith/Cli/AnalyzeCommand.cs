using System.CommandLine;

namespace Kith.Cli;

/// <summary>`kith analyze KIND`: analyses written to a file. Each analysis adds its subcommand here.</summary>
internal static class AnalyzeCommand
{
    public static Command Build()
    {
        var command = new Command("analyze", "Analyses of the stored data, written to a file.");
        command.Subcommands.Add(Kith.Behavior.AnalyzeBehaviorCommand.Build());
        Kith.Analytics.AnalyzeCommand.AddTo(command);
        return command;
    }
}
