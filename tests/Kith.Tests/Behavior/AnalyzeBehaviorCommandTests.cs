using Kith.Tests.Importing;

namespace Kith.Tests.Behavior;

public sealed class AnalyzeBehaviorCommandTests
{
    [Fact]
    public async Task TheCommandWritesTheCountsFileAndRefusesAnUnwritablePathWithoutAStackTrace()
    {
        await using var database = await ImportCommandTests.DataFolderAsync();
        var customers = ImportCommandTests.Write(database, "customers.csv", "customer_id,name\n2,Ann\n10,Bo\n");
        var events = ImportCommandTests.Write(database, "events.csv",
            "event_id,customer_id,event_type,behavior_time,page\n1,10,access,2026-01-01T00:00:00Z,/\n2,2,like,2026-01-02T00:00:00Z,/\n3,10,access,2026-01-03T00:00:00Z,/\n");
        Assert.Equal(0, (await ImportCommandTests.RunAsync("import", "customers", customers, "--data", database.Folder)).Code);
        Assert.Equal(0, (await ImportCommandTests.RunAsync("import", "events", events, "--data", database.Folder)).Code);
        var output = Path.Combine(database.Folder, "behavior.csv");

        var run = await ImportCommandTests.RunAsync("analyze", "behavior", "--out", output, "--data", database.Folder);

        Assert.True(run.Code == 0, run.Error);
        Assert.Contains("2 customers", run.Out, StringComparison.Ordinal);
        Assert.Equal("customer_id,access,like,purchase\n2,0,1,0\n10,2,0,0\n", await File.ReadAllTextAsync(output, TestContext.Current.CancellationToken));
        Assert.False(File.Exists(output + ".partial"));

        var bad = await ImportCommandTests.RunAsync("analyze", "behavior", "--out", Path.Combine(database.Folder, "no-such-folder", "x.csv"), "--data", database.Folder);
        Assert.Equal(1, bad.Code);
        Assert.Contains("cannot write", bad.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", bad.Error, StringComparison.Ordinal);
    }
}
