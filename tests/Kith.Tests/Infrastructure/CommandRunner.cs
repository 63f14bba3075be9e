using Kith.Cli;

namespace Kith.Tests.Infrastructure;

/// <summary>Runs `kith …` in process and captures what it prints. It swaps Console.Out and Error: use it in the "Console" collection.</summary>
public static class CommandRunner
{
    public static async Task<(int Code, string Out, string Error)> RunAsync(params string[] args)
    {
        var (stdout, stderr) = (Console.Out, Console.Error);
        var output = new StringWriter();
        var error = new StringWriter();
        try
        {
            Console.SetOut(output);
            Console.SetError(error);
            var code = await KithCommandLine.RunAsync(args);
            return (code, output.ToString(), error.ToString());
        }
        finally
        {
            Console.SetOut(stdout);
            Console.SetError(stderr);
        }
    }
}
