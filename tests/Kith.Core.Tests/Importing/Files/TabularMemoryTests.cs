using System.Diagnostics;
using System.Text;
using Kith.Core.Importing.Files;
using static Kith.Core.Tests.Importing.Files.TabularKit;

namespace Kith.Core.Tests.Importing.Files;

/// <summary>Memory is measured for the whole process, so these run alone.</summary>
[CollectionDefinition(nameof(TabularMemory), DisableParallelization = true)]
public sealed class TabularMemory;

/// <summary>
/// Large files in bounded memory. Measured as memory that stays reachable (full collections at checkpoints), and for
/// the hostile file as bytes allocated by the reading thread, never as time.
/// </summary>
[Collection(nameof(TabularMemory))]
public sealed class TabularMemoryTests : IDisposable
{
    private const long Bound = 200L << 20;
    private readonly TabularKit _kit = new();

    public void Dispose() => _kit.Dispose();

    [Fact]
    public void AnUnclosedQuoteNearTheStartOfA50MbFileFailsWithoutReadingTheRestIntoMemory()
    {
        var path = Path.Combine(_kit.Folder, "unclosed.csv");
        using (var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 16))
        {
            writer.Write("id,name,note\n");
            for (var i = 1; i < 10; i++) writer.Write($"{i},name {i},fine\n");
            writer.Write("10,name 10,\"this quote is never closed\n");      // line 11
            var line = "11,name 11,plain text that goes on and on and on\n";
            for (long written = 0; written < 50L << 20; written += line.Length) writer.Write(line);
        }
        Assert.True(new FileInfo(path).Length > 50L << 20);

        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var error = Fails(path);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;

        Assert.Equal(11, error.Line);
        Assert.Equal(3, error.Column);
        Assert.Contains("a closing quote is probably missing", error.Message);
        Assert.True(allocated < Bound, $"reading allocated {allocated >> 20} MB");
    }

    [Fact]
    public void A100MbFileStreamsThroughInBoundedMemory()
    {
        var path = Path.Combine(_kit.Folder, "big.csv");
        long rowsWritten = 0;
        using (var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 16))
        {
            writer.Write("customer_id,name,email,phone,age,gender,city,signup_date\n");
            for (long written = 0; written < 100L << 20; rowsWritten++)
            {
                var line = $"{rowsWritten},客户 {rowsWritten},user{rowsWritten}@example.com,138{rowsWritten % 100_000_000:D8},{rowsWritten % 90},F,\"Shanghai, CN\",2024-01-{rowsWritten % 28 + 1:D2}\n";
                writer.Write(line);
                written += Encoding.UTF8.GetByteCount(line);
            }
        }

        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        var peakBefore = Process.GetCurrentProcess().PeakWorkingSet64;
        long reachable = 0, rows = 0, lastLine = 0;
        using (var file = TabularFile.Open(path))
        {
            foreach (var row in file.ReadRows(Ct))
            {
                rows++;
                lastLine = row.Line;
                if (rows % 300_000 == 0) reachable = Math.Max(reachable, GC.GetTotalMemory(forceFullCollection: true) - baseline);
            }
            Assert.Equal(file.Length, file.Position);
        }

        Assert.Equal(rowsWritten, rows);
        Assert.Equal(rowsWritten + 1, lastLine);
        Assert.True(reachable < Bound, $"{reachable >> 20} MB stayed reachable while reading");
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{rows:N0} rows; reachable at most {reachable >> 20} MB; peak working set grew {(Process.GetCurrentProcess().PeakWorkingSet64 - peakBefore) >> 20} MB");
    }
}
