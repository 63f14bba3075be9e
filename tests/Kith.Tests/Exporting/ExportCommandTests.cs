using System.Net;
using Kith.Cli;
using Kith.Core.Identity;
using Kith.Exporting;
using Kith.Tests.Infrastructure;
using MiniExcelLibs;

namespace Kith.Tests.Exporting;

/// <summary>`kith export` in-process against the database of a running host. They swap Console streams, so they run alone.</summary>
[Collection("Console")]
public sealed class ExportCommandTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<KithTestHost> HostWithCustomersAsync()
    {
        var host = await KithTestHost.StartAsync();
        var ana = await host.ApiClientAsync(await host.CreateUserAsync("ana@example.com", Role.Agent));
        var bo = await host.ApiClientAsync(await host.CreateUserAsync("bo@example.com", Role.Agent));
        foreach (var (client, name) in new[] { (ana, "王小明"), (ana, "Ann Lee"), (bo, "Bo's secret") })
            Assert.Equal(HttpStatusCode.Created, (await client.PostJsonAsync("/api/v1/customers", new { name, stage = "customer" })).StatusCode);
        return host;
    }

    [Fact]
    public async Task ExportCustomersWritesTheUsersCustomersToACsvFile()
    {
        await using var host = await HostWithCustomersAsync();
        var data = host.Database.Folder;
        var file = Path.Combine(data, "out", "customers.csv");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);

        var run = await RunAsync("export", "customers", file, "--user", "ana@example.com", "--sort", "name", "--columns", "name,owner", "--data", data);
        Assert.True(run.Code == 0, run.Error);
        Assert.Contains("Exported 2 customers", run.Out);
        var bytes = await File.ReadAllBytesAsync(file, Ct);
        Assert.Equal([0xEF, 0xBB, 0xBF], bytes[..3]);
        Assert.Equal([["name", "owner"], ["Ann Lee", "ana@example.com"], ["王小明", "ana@example.com"]], ExportApiTests.Csv(bytes));
        Assert.Equal(["customers.csv"], Directory.GetFiles(Path.GetDirectoryName(file)!).Select(Path.GetFileName));

        var plain = await RunAsync("export", "customers", file, "--user", "bo@example.com", "--no-bom", "--q", "secret", "--filter", "stage eq customer", "--columns", "name", "--data", data);
        Assert.True(plain.Code == 0, plain.Error);
        Assert.Equal("name\r\nBo's secret\r\n", await File.ReadAllTextAsync(file, Ct));
    }

    [Fact]
    public async Task TheFormatComesFromTheExtensionUnlessGiven()
    {
        await using var host = await HostWithCustomersAsync();
        var data = host.Database.Folder;
        var xlsx = Path.Combine(data, "companies.xlsx");
        var companies = await RunAsync("export", "companies", xlsx, "--user", "ana@example.com", "--data", data);
        Assert.True(companies.Code == 0, companies.Error);
        using (var stream = File.OpenRead(xlsx))
            Assert.Equal("kithId", MiniExcel.Query(stream, useHeaderRow: false, excelType: ExcelType.XLSX).Cast<IDictionary<string, object?>>().First().Values.First());

        var named = Path.Combine(data, "customers.data");
        Assert.Equal(0, (await RunAsync("export", "customers", named, "--format", "xlsx", "--user", "ana@example.com", "--data", data)).Code);
        Assert.Equal("PK", System.Text.Encoding.ASCII.GetString((await File.ReadAllBytesAsync(named, Ct))[..2]));

        var unknown = await RunAsync("export", "customers", Path.Combine(data, "customers.txt"), "--user", "ana@example.com", "--data", data);
        Assert.Equal(1, unknown.Code);
        Assert.Contains("--format", unknown.Error);
        Assert.False(File.Exists(Path.Combine(data, "customers.txt")));
    }

    [Fact]
    public async Task MistakesEndWithCodeOneAClearMessageAndNoFile()
    {
        await using var host = await HostWithCustomersAsync();
        var data = host.Database.Folder;
        var file = Path.Combine(data, "x.csv");

        var badFilter = await RunAsync("export", "customers", file, "--user", "ana@example.com", "--filter", "stage eq", "--data", data);
        Assert.Equal(1, badFilter.Code);
        Assert.Contains("filter", badFilter.Error);
        var badColumn = await RunAsync("export", "customers", file, "--user", "ana@example.com", "--columns", "name,salary", "--data", data);
        Assert.Equal(1, badColumn.Code);
        Assert.Contains("'salary'", badColumn.Error);
        var nobody = await RunAsync("export", "customers", file, "--user", "nobody@example.com", "--data", data);
        Assert.Equal(1, nobody.Code);
        Assert.Contains("nobody@example.com", nobody.Error);
        var noFolder = await RunAsync("export", "customers", Path.Combine(data, "missing", "x.csv"), "--user", "ana@example.com", "--data", data);
        Assert.Equal(1, noFolder.Code);
        Assert.Contains("cannot write", noFolder.Error);
        Assert.False(File.Exists(file));
        Assert.Empty(Directory.GetFiles(data, "*.partial", SearchOption.AllDirectories).Concat(Directory.GetFiles(data, ".x.csv*")));
        Assert.NotEqual(0, (await RunAsync("export", "customers", file, "--data", data)).Code);
    }

    [Fact]
    public async Task ACancelledExportLeavesNoPartialFileAndTheOldFileUntouched()
    {
        var folder = Path.Combine(Path.GetTempPath(), "kith-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            var file = Path.Combine(folder, "customers.csv");
            await File.WriteAllTextAsync(file, "the previous export", Ct);
            using var cancel = new CancellationTokenSource();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ExportCommand.WriteFileAsync(file, async (output, ct) =>
            {
                await output.WriteAsync(new byte[10_000], ct);
                await cancel.CancelAsync();
                ct.ThrowIfCancellationRequested();
                return 0;
            }, cancel.Token));
            Assert.Equal(["customers.csv"], Directory.GetFiles(folder).Select(Path.GetFileName));
            Assert.Equal("the previous export", await File.ReadAllTextAsync(file, Ct));

            Assert.Equal(3, await ExportCommand.WriteFileAsync(file, async (output, ct) =>
            {
                await output.WriteAsync("new"u8.ToArray(), ct);
                return 3;
            }, Ct));
            Assert.Equal("new", await File.ReadAllTextAsync(file, Ct));
            Assert.Single(Directory.GetFiles(folder));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [InlineData("export")]
    [InlineData("export customers")]
    [InlineData("export companies")]
    public async Task EverySubcommandHasHelp(string command)
    {
        var help = await RunAsync([.. command.Split(' '), "--help"]);
        Assert.Equal(0, help.Code);
        Assert.Contains("Usage:", help.Out);
    }

    private static async Task<(int Code, string Out, string Error)> RunAsync(params string[] args)
    {
        var (stdin, stdout, stderr) = (Console.In, Console.Out, Console.Error);
        var output = new StringWriter();
        var error = new StringWriter();
        try
        {
            Console.SetIn(new StringReader(""));
            Console.SetOut(output);
            Console.SetError(error);
            var code = await KithCommandLine.RunAsync(args);
            return (code, output.ToString(), error.ToString());
        }
        finally
        {
            Console.SetIn(stdin);
            Console.SetOut(stdout);
            Console.SetError(stderr);
        }
    }
}
