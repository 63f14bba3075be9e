using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Kith.Cli;
using Kith.Core.Infrastructure;

namespace Kith.Tests.Infrastructure;

/// <summary>
/// `kith serve` as a real child process (the built kith.dll under `dotnet`), so that a test can kill it with
/// SIGKILL as a crash, a power cut or the OOM killer would, and start it again over the same data.
/// </summary>
public sealed class KithProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private KithProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Uri Address { get; }

    /// <summary>What the server printed so far, for failure messages.</summary>
    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    public static async Task<KithProcess> StartAsync(TestDatabase database, CancellationToken ct)
    {
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { typeof(KithCommandLine).Assembly.Location, "serve", "--urls", $"http://127.0.0.1:{port}", "--data", database.Folder,
                     "--api-limit-per-token", "0", "--api-limit-per-address", "0" })
            start.ArgumentList.Add(a);
        if (database.Options.Provider == DatabaseProvider.Postgres)
            foreach (var a in new[] { "--provider", "postgres", "--database", database.Options.ConnectionString }) start.ArgumentList.Add(a);
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        var server = new KithProcess(Process.Start(start)!, new Uri($"http://127.0.0.1:{port}"));
        using var probe = new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(5);
        while (true)
        {
            if (server._process.HasExited) Assert.Fail("kith serve exited while starting:\n" + server.Output);
            try
            {
                if ((await probe.GetAsync("/healthz", ct)).StatusCode == HttpStatusCode.OK) return server;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested) { }
            Assert.True(DateTime.UtcNow < deadline, "kith serve did not answer /healthz within 5 minutes:\n" + server.Output);
            await Task.Delay(50, ct);
        }
    }

    /// <summary>SIGKILL: no shutdown hooks, no flush, no finally blocks.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public HttpClient Client(string token)
    {
        var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
