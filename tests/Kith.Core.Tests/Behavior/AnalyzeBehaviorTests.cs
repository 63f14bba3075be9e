using System.Diagnostics;
using Kith.Core.Behavior;
using Kith.Core.Identity;
using Kith.Core.Importing;
using Kith.Core.Infrastructure;
using Kith.Core.Tests.Importing;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kith.Core.Tests.Behavior;

/// <summary>
/// `kith analyze behavior` against the pandas baseline: gen_data.py files (size S, scaled down to keep the test short)
/// imported as `kith import customers --on-duplicate flag` then `kith import events` give, byte for byte, the
/// processed_behavior_data.csv that ../shared/bench/seed_pipeline.py writes.
/// </summary>
public sealed class AnalyzeBehaviorTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private const int Customers = 3_000;

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task TheAnalysisEqualsThePandasBaselineRowByRow(DatabaseProvider provider)
    {
        await using var kit = await ImportKit.StartAsync(provider);
        var dir = await GenDataImportTests.GenerateAsync(kit.Database.Folder, Customers, eventsPerCustomer: 10);
        var expected = await PandasAsync(dir, Path.Combine(kit.Database.Folder, "pandas"));
        var admin = await kit.AdminAsync();

        // Without merging: the baseline counts each customer_id of the file on its own.
        var customers = await kit.ImportAsync(ImportKind.Customers, Path.Combine(dir, "customer_data.csv"), admin, new ImportOptions { OnDuplicate = DuplicateAction.Flag });
        Assert.Equal(Customers, customers.Created);
        var events = await kit.ImportAsync(ImportKind.Events, Path.Combine(dir, "behavior_data.csv"), admin);
        Assert.Equal(Customers * 10, events.Created);

        var stages = new List<string>();
        using var output = new MemoryStream();
        var outcome = await kit.RunAsync(sp => sp.GetRequiredService<AnalyzeBehavior>()
            .WriteCsvAsync(output, admin, new Inline(p => stages.Add(p.Phase)), Ct));
        var actual = System.Text.Encoding.UTF8.GetString(output.ToArray()).Split('\n');

        Assert.Equal(["access", "like", "purchase"], outcome.Types);
        Assert.Equal(["catching up", "reading", "writing"], stages.Distinct());
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
            Assert.True(expected[i] == actual[i], $"Line {i + 1}: pandas wrote '{expected[i]}', Kith wrote '{actual[i]}'.");
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task CustomersInTheBinAndOutOfReachAreLeftOut(DatabaseProvider provider)
    {
        await using var kit = await ImportKit.StartAsync(provider);
        var admin = await kit.AdminAsync();
        var agent = await kit.UserAsync(Role.Agent, "agent");
        await kit.ImportAsync(ImportKind.Customers, kit.Csv("customer_id,name", "A1,Ann", "A2,Bo", "A3,Cy", "A4,Di"), admin);
        await kit.ImportAsync(ImportKind.Events, kit.Csv("event_id,customer_id,event_type,behavior_time,page",
            "1,A1,access,2026-02-01T00:00:00Z,/", "2,A2,like,2026-02-01T00:00:00Z,/", "3,A3,access,2026-02-02T00:00:00Z,/", "4,A4,purchase,2026-02-02T00:00:00Z,/"), admin);
        await using (var db = kit.Open())
        {
            await db.Database.ExecuteSqlRawAsync("UPDATE customers SET deleted_at = created_at WHERE external_id = 'A2'", Ct);
            await db.Database.ExecuteSqlAsync($"UPDATE customers SET owner_id = {agent.Id} WHERE external_id IN ('A2', 'A3')", Ct);
        }
        Assert.Equal("customer_id,access,like,purchase\nA1,1,0,0\nA3,1,0,0\nA4,0,0,1\n", await AnalyzeAsync(admin));
        Assert.Equal("customer_id,access,like,purchase\nA3,1,0,0\n", await AnalyzeAsync(await kit.ScopeAsync(agent.Id)));

        async Task<string> AnalyzeAsync(AccessScope scope)
        {
            using var output = new MemoryStream();
            await kit.RunAsync(sp => sp.GetRequiredService<AnalyzeBehavior>().WriteCsvAsync(output, scope, null, Ct));
            return System.Text.Encoding.UTF8.GetString(output.ToArray());
        }
    }

    [Fact]
    public async Task ACustomTypeBecomesAFurtherColumnAndCustomersWithoutEventsAreLeftOut()
    {
        await using var kit = await ImportKit.StartAsync(DatabaseProvider.Sqlite);
        var admin = await kit.AdminAsync();
        await kit.ImportAsync(ImportKind.Customers, kit.Csv("customer_id,name", "10,Ann", "9,Bo", "11,Cy", "12,Quiet"), admin);
        await kit.ImportAsync(ImportKind.Events, kit.Csv("event_id,customer_id,event_type,behavior_time,page",
            "1,10,access,2026-02-01T00:00:00Z,/", "2,9,signup,2026-02-01T00:00:00Z,/", "3,9,Access,2026-02-02T00:00:00Z,/",
            "4,11,download,2026-02-02T00:00:00Z,/", "5,10,like,2026-02-03T00:00:00Z,/"), admin);
        using var output = new MemoryStream();
        await kit.RunAsync(sp => sp.GetRequiredService<AnalyzeBehavior>().WriteCsvAsync(output, admin, null, Ct));
        Assert.Equal("customer_id,access,like,purchase,download,signup\n9,1,0,0,0,1\n10,1,1,0,0,0\n11,0,0,0,1,0\n",
            System.Text.Encoding.UTF8.GetString(output.ToArray()));
    }

    [Fact]
    public async Task ExternalIdsAndEventTypesThatLookLikeFormulasAreWrittenAsTextButNumbersStayNumbers()
    {
        await using var kit = await ImportKit.StartAsync(DatabaseProvider.Sqlite);
        var admin = await kit.AdminAsync();
        await kit.ImportAsync(ImportKind.Customers, kit.Csv("customer_id,name", "=HYPERLINK(\"http://evil.example\"),Ann", "-7,Bo"), admin);
        await kit.ImportAsync(ImportKind.Events, kit.Csv("event_id,customer_id,event_type,behavior_time,page",
            "1,=HYPERLINK(\"http://evil.example\"),access,2026-02-01T00:00:00Z,/", "2,-7,-cmd,2026-02-01T00:00:00Z,/"), admin);
        using var output = new MemoryStream();
        await kit.RunAsync(sp => sp.GetRequiredService<AnalyzeBehavior>().WriteCsvAsync(output, admin, null, Ct));
        var lines = System.Text.Encoding.UTF8.GetString(output.ToArray()).Split('\n');
        Assert.Equal("customer_id,access,like,purchase,'-cmd", lines[0]);
        Assert.Contains("\"'=HYPERLINK(\"\"http://evil.example\"\")\",1,0,0,0", lines);
        Assert.Contains("-7,0,0,0,1", lines);
    }

    /// <summary>Runs seed_pipeline.py and returns its behaviour file's lines, or skips the test saying why it cannot.</summary>
    private static async Task<string[]> PandasAsync(string data, string output)
    {
        const string python = "/usr/bin/python3";
        var script = Path.Combine(Path.GetDirectoryName(GenDataImportTests.FindGenData()!)!, "seed_pipeline.py");
        var start = new ProcessStartInfo(python) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { script, data, output }) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync(Ct);
        await process.StandardOutput.ReadToEndAsync(Ct);
        await process.WaitForExitAsync(Ct);
        var message = await error;
        if (process.ExitCode != 0 && message.Contains("No module named 'pandas'", StringComparison.Ordinal))
            Assert.Skip($"{python} has no pandas, which seed_pipeline.py needs (Debian: python3-pandas).");
        Assert.True(process.ExitCode == 0, message);
        return (await File.ReadAllTextAsync(Path.Combine(output, "processed_behavior_data.csv"), Ct)).Split('\n');
    }

    private sealed class Inline(Action<AnalyzeProgress> report) : IProgress<AnalyzeProgress>
    {
        public void Report(AnalyzeProgress value) => report(value);
    }
}
