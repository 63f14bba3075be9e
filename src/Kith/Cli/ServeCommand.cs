using System.CommandLine;
using Kith.Infrastructure;

namespace Kith.Cli;

internal static class ServeCommand
{
    public static Command Build()
    {
        var urls = new Option<string>("--urls")
        {
            Description = "Addresses to listen on, separated by ';'.",
            DefaultValueFactory = _ => "http://localhost:5080",
        };
        var demo = new Option<bool>("--demo") { Description = "Fill an empty database with generated demo customers and companies." };
        var command = new Command("serve", "Run the web UI and the REST API (/api/v1, OpenAPI at /openapi/v1.json).");
        command.Options.Add(urls);
        command.Options.Add(demo);
        command.SetAction(async (parse, ct) =>
        {
            var options = new KithServeOptions
            {
                Database = KithCommandLine.DatabaseOptions(parse),
                Urls = parse.GetValue(urls)!,
                Demo = parse.GetValue(demo),
                EnvironmentName = Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT") ?? "Production",
            };
            var app = KithWebApp.Build(options);
            await KithWebApp.PrepareDatabaseAsync(app, ct);
            await app.RunAsync();
            return 0;
        });
        return command;
    }
}
