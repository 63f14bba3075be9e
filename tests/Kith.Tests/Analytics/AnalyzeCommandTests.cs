using Kith.Core.Behavior;
using Kith.Core.Customers;
using Kith.Core.Identity;
using Kith.Core.Purchases;
using Kith.Tests.Infrastructure;
using static Kith.Tests.Infrastructure.CommandRunner;
using Microsoft.EntityFrameworkCore;

namespace Kith.Tests.Analytics;

/// <summary>`kith analyze rfm`, `cohorts`, `funnel`, `trends`, `top` and `heatmap` against the database of a running host. It swaps Console.Out and Error, so it runs alone.</summary>
[Collection("Console")]
public sealed class AnalyzeCommandTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static DateTime At(int month, int day) => new(2025, month, day, 12, 0, 0, DateTimeKind.Utc);

    [Fact]
    public async Task RfmStoresTheScoresAndCohortsPrintsTheTableAsCsv()
    {
        await using var host = await KithTestHost.StartAsync();
        var adminId = await host.CreateUserAsync("ada@example.com", Role.Admin);
        await using (var db = host.OpenDb())
        {
            var ann = new Customer { Name = "Ann", OwnerId = adminId, SignupDate = new DateOnly(2025, 1, 3), CreatedAt = At(1, 3), UpdatedAt = At(1, 3) };
            var bo = new Customer { Name = "Bo", OwnerId = adminId, SignupDate = new DateOnly(2025, 1, 9), CreatedAt = At(1, 9), UpdatedAt = At(1, 9) };
            db.Customers.AddRange(ann, bo);
            await db.SaveChangesAsync(Ct);
            db.Purchases.AddRange(
                new Purchase { CustomerId = ann.Id, OrderedAt = At(1, 20), Product = "Tea", AmountMicros = 5_000_000, CreatedAt = At(1, 20) },
                new Purchase { CustomerId = bo.Id, OrderedAt = At(2, 20), Product = "Tea", AmountMicros = 9_000_000, CreatedAt = At(2, 20) });
            db.BehaviorEvents.AddRange(
                new BehaviorEvent { EventId = "1", CustomerId = ann.Id, Type = "access", OccurredAt = At(1, 4) },
                new BehaviorEvent { EventId = "2", CustomerId = ann.Id, Type = "access", OccurredAt = At(2, 4) },
                new BehaviorEvent { EventId = "3", CustomerId = bo.Id, Type = "access", OccurredAt = At(3, 4) });
            await db.SaveChangesAsync(Ct);
        }

        var (code, output, error) = await RunAsync("analyze", "rfm", "--from", "2025-01-01", "--to", "2025-03-31", "--data", host.Database.Folder);
        Assert.Equal(0, code);
        Assert.Contains("Scored 2 customers who bought between 2025-01-01 and 2025-04-01", output);
        Assert.Contains("RFM", error);
        await using (var db = host.OpenDb())
            Assert.Equal(2, await db.CustomerRfm.CountAsync(Ct));

        (code, output, error) = await RunAsync("analyze", "cohorts", "--from", "2025-01-01", "--to", "2025-03-31", "--data", host.Database.Folder);
        Assert.Equal(0, code);
        Assert.Equal(["cohort,customers,month_0,month_1,month_2", "2025-01,2,0.5,0.5,0.5"], output.Split("\r\n", StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("1 cohorts, 2 customers", error);

        // --out picks the format by the file's extension, as kith export does: a workbook with the shares as numbers.
        var workbook = Path.Combine(host.Database.Folder, "cohorts.xlsx");
        (code, _, error) = await RunAsync("analyze", "cohorts", "--from", "2025-01-01", "--to", "2025-03-31", "--out", workbook, "--data", host.Database.Folder);
        Assert.Equal(0, code);
        var rows = MiniExcelLibs.MiniExcel.Query(workbook, useHeaderRow: false).Cast<IDictionary<string, object?>>().Select(r => r.Values.ToArray()).ToList();
        Assert.Equal(["cohort", "customers", "month_0", "month_1", "month_2"], rows[0]);
        Assert.Equal(["2025-01", 2.0, 0.5, 0.5, 0.5], rows[1]);
        var plain = Path.Combine(host.Database.Folder, "cohorts.txt");
        (code, _, _) = await RunAsync("analyze", "cohorts", "--from", "2025-01-01", "--to", "2025-03-31", "--out", plain, "--format", "csv", "--no-bom", "--data", host.Database.Folder);
        Assert.Equal(0, code);
        Assert.StartsWith("cohort,customers", await File.ReadAllTextAsync(plain, Ct));
        (code, _, error) = await RunAsync("analyze", "cohorts", "--out", Path.Combine(host.Database.Folder, "cohorts.pdf"), "--data", host.Database.Folder);
        Assert.NotEqual(0, code);
        Assert.Contains("Cannot tell the format from the name cohorts.pdf", error);

        (code, _, error) = await RunAsync("analyze", "cohorts", "--by", "week", "--data", host.Database.Folder);
        Assert.NotEqual(0, code);
        Assert.Contains("by must be signup or first_purchase", error);
    }
    [Fact]
    public async Task FunnelTrendsTopAndHeatmapPrintOrWriteTheAnalyticsPagesTables()
    {
        await using var host = await KithTestHost.StartAsync();
        var adminId = await host.CreateUserAsync("ada@example.com", Role.Admin);
        await using (var db = host.OpenDb())
        {
            var ann = new Customer { Name = "Ann", OwnerId = adminId, CreatedAt = At(1, 3), UpdatedAt = At(1, 3) };
            var bo = new Customer { Name = "Bo", OwnerId = adminId, CreatedAt = At(1, 9), UpdatedAt = At(1, 9) };
            db.Customers.AddRange(ann, bo);
            await db.SaveChangesAsync(Ct);
            db.Purchases.AddRange(
                new Purchase { CustomerId = ann.Id, OrderedAt = At(1, 20), Product = "=Tea", AmountMicros = 5_000_000, CreatedAt = At(1, 20) },
                new Purchase { CustomerId = bo.Id, OrderedAt = At(2, 20), Product = "=Tea", AmountMicros = 9_000_000, CreatedAt = At(2, 20) });
            // 2025-01-06 and 2025-01-13 are Mondays; the events fall at 12:00 UTC.
            db.BehaviorEvents.AddRange(
                new BehaviorEvent { EventId = "1", CustomerId = ann.Id, Type = "access", OccurredAt = At(1, 6) },
                new BehaviorEvent { EventId = "2", CustomerId = ann.Id, Type = "purchase", OccurredAt = At(1, 7) },
                new BehaviorEvent { EventId = "3", CustomerId = bo.Id, Type = "access", OccurredAt = At(1, 13) });
            await db.SaveChangesAsync(Ct);
        }
        string[] Period = ["--from", "2025-01-01", "--to", "2025-03-31", "--data", host.Database.Folder];
        static string[] Lines(string text) => text.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);

        var (code, output, error) = await RunAsync(["analyze", "funnel", "--steps", "access,purchase", .. Period]);
        Assert.True(code == 0, error);
        Assert.Equal(["step,event_type,customers,conversion_from_previous,conversion_from_first", "1,access,2,1,1", "2,purchase,1,0.5,0.5"], Lines(output));
        Assert.Contains("2 rows, 2025-01-01 to 2025-04-01", error);

        (code, output, error) = await RunAsync(["analyze", "trends", "--metric", "revenue", .. Period]);
        Assert.True(code == 0, error);
        // The product's name starts like a formula: neutralised, as in every export.
        Assert.Equal(["bucket,'=Tea", "2025-01-01,5", "2025-02-01,9", "2025-03-01,0"], Lines(output));

        var workbook = Path.Combine(host.Database.Folder, "top.xlsx");
        (code, _, error) = await RunAsync(["analyze", "top", "--kind", "products", "--out", workbook, .. Period]);
        Assert.True(code == 0, error);
        var rows = MiniExcelLibs.MiniExcel.Query(workbook, useHeaderRow: false).Cast<IDictionary<string, object?>>().Select(r => r.Values.ToArray()).ToList();
        Assert.Equal(["product", "order_lines", "customers", "quantity", "revenue"], rows[0]);
        Assert.Equal(["'=Tea", 2.0, 2.0], rows[1].Take(3));
        Assert.Equal(14.0, rows[1][4]);

        (code, output, error) = await RunAsync(["analyze", "heatmap", "--event", "access", .. Period]);
        Assert.True(code == 0, error);
        var monday = Lines(output)[1].Split(',');
        Assert.Equal("Monday", monday[0]);
        Assert.Equal("2", monday[1 + 12]);
        Assert.Equal(2, monday.Skip(1).Sum(int.Parse));

        (code, _, error) = await RunAsync(["analyze", "funnel", "--steps", "access", .. Period]);
        Assert.NotEqual(0, code);
        Assert.Contains("steps must name 2 to", error);
        (code, _, error) = await RunAsync(["analyze", "top", "--kind", "people", .. Period]);
        Assert.NotEqual(0, code);
        Assert.Contains("kind must be products or pages", error);
        (code, _, error) = await RunAsync(["analyze", "trends", "--format", "xlsx", .. Period]);
        Assert.NotEqual(0, code);
        Assert.Contains("add --out FILE.xlsx", error);
    }
}
