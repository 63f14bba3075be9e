using System.IO.Compression;
using System.Text;
using Kith.Tests.Exporting;
using Kith.Tests.Infrastructure;
using MiniExcelLibs;

namespace Kith.Tests.Security;

/// <summary>
/// CSV and XLSX formula injection across every file Kith writes: every text the owner typed starts with "=", and no
/// cell of any export, report or personal-data file starts with a formula character. All of them go through the one
/// neutraliser (<c>CellSafety</c> via <c>TableWriter</c>); this test keeps a new export from going around it.
/// </summary>
public sealed class FormulaInjectionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private const string Payload = "=2+5+cmd|calc!A0";

    [Fact]
    public async Task NoCellOfAnyExportStartsWithAFormulaCharacter()
    {
        await using var w = await SecurityWorld.StartAsync(text: Payload);
        var ownerBrowser = await w.BrowserAsync(SecurityWorld.OwnerEmail);
        var files = new (string What, HttpClient Client, string Url)[]
        {
            ("customers csv", w.Owner, "/api/v1/customers/export"),
            ("customers xlsx", w.Owner, "/api/v1/customers/export?format=xlsx"),
            ("companies csv", w.Owner, "/api/v1/companies/export"),
            ("companies xlsx", w.Owner, "/api/v1/companies/export?format=xlsx"),
            ("audit csv", w.Admin, "/api/v1/audit/export"),
            ("feedback summary csv", w.Admin, "/api/v1/feedback/summary?groupBy=customer&format=csv"),
            ("feedback summary by agent csv", w.Admin, "/api/v1/feedback/summary?groupBy=agent&format=csv"),
            ("rfm customers csv", w.Admin, "/api/v1/analytics/rfm/customers?format=csv"),
            ("rfm customers xlsx", w.Admin, "/api/v1/analytics/rfm/customers?format=xlsx"),
            ("feedback summary by customer xlsx", w.Admin, "/api/v1/feedback/summary?groupBy=customer&format=xlsx"),
            ("cases csv", w.Owner, "/api/v1/cases/export"),
            ("cases xlsx", w.Owner, "/api/v1/cases/export?format=xlsx"),
            ("import rejected csv", ownerBrowser, $"/imports/{w["import"]}/rejected.csv"),
            ("import rejected xlsx", ownerBrowser, $"/imports/{w["import"]}/rejected.xlsx"),
            ("personal data zip", w.Owner, $"/api/v1/customers/{w["customer"]}/personal-data"),
        };
        var failures = new List<string>();
        foreach (var (what, client, url) in files)
        {
            var response = await client.GetAsync(url, Ct);
            var bytes = await response.Content.ReadAsByteArrayAsync(Ct);
            Assert.True(response.IsSuccessStatusCode, $"{what}: {(int)response.StatusCode} {Encoding.UTF8.GetString(bytes)}");
            var cells = Cells(url, bytes).ToList();
            Assert.True(cells.Count > 0, what);
            if (!cells.Any(c => c.Contains("cmd|calc", StringComparison.Ordinal)) && what is not ("rfm customers csv" or "rfm customers xlsx" or "feedback summary by agent csv"))
                failures.Add($"{what}: the typed text is not in the file at all");
            failures.AddRange(cells.Where(c => c.Length > 0 && c[0] is '=' or '+' or '-' or '@' or '\t' or '\r').Select(c => $"{what}: {c}"));
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    private static IEnumerable<string> Cells(string url, byte[] file)
    {
        if (url.Contains("personal-data", StringComparison.Ordinal))
        {
            using var zip = new ZipArchive(new MemoryStream(file));
            var cells = new List<string>();
            foreach (var entry in zip.Entries.Where(e => e.Name.EndsWith(".csv", StringComparison.Ordinal)))
            {
                using var stream = entry.Open();
                using var copy = new MemoryStream();
                stream.CopyTo(copy);
                cells.AddRange(ExportApiTests.Csv(copy.ToArray()).SelectMany(r => r));
            }
            return cells;
        }
        if (url.Contains("xlsx", StringComparison.Ordinal))
        {
            using var stream = new MemoryStream(file);
            return MiniExcel.Query(stream, useHeaderRow: false, excelType: ExcelType.XLSX).Cast<IDictionary<string, object?>>()
                .SelectMany(r => r.Values.Select(v => v?.ToString() ?? "")).ToList();
        }
        return ExportApiTests.Csv(file).SelectMany(r => r);
    }
}
