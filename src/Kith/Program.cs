using Kith.Cli;

return await KithCommandLine.RunAsync(args);
