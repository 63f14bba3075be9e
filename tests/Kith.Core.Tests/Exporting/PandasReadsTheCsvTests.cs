using System.Diagnostics;
using Kith.Core.Customers;
using Kith.Core.Exporting;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Core.Tests.Customers;

namespace Kith.Core.Tests.Exporting;

/// <summary>"The CSV reads into pandas as it is": pandas.read_csv with no options on an exported file.</summary>
public sealed class PandasReadsTheCsvTests
{
    private const string Python = "/usr/bin/python3";

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task PandasReadsAnExportWithChineseAndLineBreaksAsItIs(bool bom)
    {
        if (!await HasPandasAsync()) Assert.Skip($"pandas is not installed for {Python} (apt-get install python3-pandas); this test runs pandas.read_csv on an export.");
        await using var kit = await RecordKit.StartAsync(DatabaseProvider.Sqlite);
        var admin = await kit.ScopeAsync(await kit.UserAsync(Role.Admin, "Admin"));
        await kit.CreateAsync(admin, new CustomerInput { Name = "王小明", City = "上海", Address = "浦东新区\r\n世纪大道 1 号, \"东\"门" });
        await kit.CreateAsync(admin, new CustomerInput { Name = "Ann, \"the\" second", Address = "line one\nline two", Source = "=1+1" });
        await kit.CreateAsync(admin, new CustomerInput { Name = "陈静" });

        var (rows, file, _) = await ExportCustomersTests.ExportAsync(kit, admin, new ExportRequest(Sort: "name", Bom: bom));
        var path = Path.Combine(kit.Database.Folder, "customers.csv");
        await File.WriteAllBytesAsync(path, file, TestContext.Current.CancellationToken);

        var script = """
            import sys, json, pandas
            df = pandas.read_csv(sys.argv[1])
            print(json.dumps({"rows": len(df), "first": df.columns[0], "names": list(df["name"]), "address": df.loc[df["name"] == "王小明", "address"].iloc[0], "source": df.loc[df["name"].str.startswith("Ann"), "source"].iloc[0]}))
            """;
        var output = await RunAsync(Python, "-c", script, path);
        using var result = System.Text.Json.JsonDocument.Parse(output);
        var root = result.RootElement;
        Assert.Equal(3, rows);
        Assert.Equal(3, root.GetProperty("rows").GetInt32());
        Assert.Equal("kithId", root.GetProperty("first").GetString());
        Assert.Equal(["Ann, \"the\" second", "王小明", "陈静"], root.GetProperty("names").EnumerateArray().Select(n => n.GetString()));
        Assert.Equal("浦东新区\r\n世纪大道 1 号, \"东\"门", root.GetProperty("address").GetString());
        Assert.Equal("'=1+1", root.GetProperty("source").GetString());
    }

    private static async Task<bool> HasPandasAsync()
    {
        if (!File.Exists(Python)) return false;
        try
        {
            await RunAsync(Python, "-c", "import pandas");
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static async Task<string> RunAsync(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, StandardOutputEncoding = System.Text.Encoding.UTF8 };
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["PYTHONIOENCODING"] = "utf-8";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        if (process.ExitCode != 0) throw new InvalidOperationException($"{program} failed: {await stderr}");
        return await stdout;
    }
}
