using System.Globalization;
using Kith.Core.Exporting;

namespace Kith.Core.Analytics;

/// <summary>
/// An analysis as a flat table for its download: the same cells for the API's format=csv|xlsx, the UI's download
/// menus and the CLI. Cells go through the export's <see cref="TableWriter"/>, so text that starts like a formula (a
/// page "=cmd", a product "+1 kettle") is neutralised by <see cref="CellSafety"/>. <paramref name="Numbers"/> are the
/// columns (from 0) that hold numbers: an XLSX writes them as numeric cells, which a spreadsheet sums as they are.
/// </summary>
public sealed record AnalyticsTable(string Name, IReadOnlyList<string> Header, IReadOnlyList<string?[]> Rows, IReadOnlySet<int> Numbers)
{
    /// <summary>Every column from <paramref name="first"/> to the header's end holds numbers.</summary>
    public AnalyticsTable(string name, IReadOnlyList<string> header, IReadOnlyList<string?[]> rows, int first)
        : this(name, header, rows, Range(first, header.Count)) { }

    /// <summary>The file's name: the table's with the format's extension.</summary>
    public string FileName(ExportFormat format) => Name + format.Extension();

    public async Task WriteAsync(Stream output, ExportFormat format, bool bom, CancellationToken ct)
    {
        if (format == ExportFormat.Xlsx && Rows.Count >= XlsxTableWriter.MaxRows)
            throw new Infrastructure.RuleViolation(
                $"{Rows.Count:N0} rows are more than an XLSX sheet holds ({XlsxTableWriter.MaxRows - 1:N0}); download it as CSV instead.");
        await using var writer = TableWriter.Create(output, format, bom, Numbers);
        await writer.WriteHeaderAsync(Header, ct);
        foreach (var row in Rows) await writer.WriteRowAsync(row, ct);
        await writer.CompleteAsync(ct);
    }

    public async Task<byte[]> BytesAsync(ExportFormat format, bool bom, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        await WriteAsync(buffer, format, bom, ct);
        return buffer.ToArray();
    }

    /// <summary>Columns <paramref name="from"/> to <paramref name="to"/> (exclusive), for <see cref="Numbers"/>.</summary>
    public static IReadOnlySet<int> Range(int from, int to) => Enumerable.Range(from, Math.Max(0, to - from)).ToHashSet();
}

/// <summary>Each analysis's result as its <see cref="AnalyticsTable"/>.</summary>
public static class AnalyticsTables
{
    private static string N(long n) => n.ToString(CultureInfo.InvariantCulture);
    private static string N(double n) => n.ToString("0.####", CultureInfo.InvariantCulture);
    private static string N(decimal n) => n.ToString("0.######", CultureInfo.InvariantCulture);
    private static string T(DateTime? t) => t?.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) ?? "";

    public static AnalyticsTable Rfm(RfmSummary s) => new("rfm",
        ["segment", "customers", "revenue", "average_recency_days", "average_frequency", "computed_at", "period_from", "period_to"],
        s.Segments.Select(x => new string?[] { x.Segment, N(x.Customers), N(x.Revenue), N(x.AverageRecencyDays), N(x.AverageFrequency), T(s.ComputedAt), T(s.PeriodFrom), T(s.PeriodTo) }).ToList(),
        AnalyticsTable.Range(1, 5));

    public static AnalyticsTable RfmCustomers(IReadOnlyList<RfmCustomerRow> rows) => new("rfm-customers",
        ["customer_id", "external_id", "name", "r", "f", "m", "segment", "recency_days", "frequency", "monetary"],
        rows.Select(x => new string?[] { N(x.CustomerId), x.ExternalId, x.Name, N(x.R), N(x.F), N(x.M), x.Segment, N(x.RecencyDays), N(x.Frequency), N(x.Monetary) }).ToList(),
        new HashSet<int> { 0, 3, 4, 5, 7, 8, 9 });

    public static AnalyticsTable Cohorts(CohortTable t)
    {
        var months = t.Cohorts.Count == 0 ? 0 : t.Cohorts.Max(c => c.Active.Count);
        return new("cohorts",
            ["cohort", "customers", .. Enumerable.Range(0, months).Select(k => $"month_{k}")],
            t.Cohorts.Select(c => new string?[] { c.Month, N(c.Customers) }.Concat(Enumerable.Range(0, months).Select(k => k < c.Share.Count ? N(c.Share[k]) : null)).ToArray()).ToList(),
            first: 1);
    }

    public static AnalyticsTable Funnel(FunnelResult f) => new("funnel",
        ["step", "event_type", "customers", "conversion_from_previous", "conversion_from_first"],
        f.Steps.Select((s, i) => new string?[] { N(i + 1), s.Type, N(s.Customers), N(s.FromPrevious), N(s.FromFirst) }).ToList(),
        new HashSet<int> { 0, 2, 3, 4 });

    public static AnalyticsTable Trend(TrendResult t) => new($"trends-{Trends.Key(t.Metric)}",
        ["bucket", .. t.Series.Select(s => s.Name)],
        t.Buckets.Select((b, i) => new string?[] { b }.Concat(t.Series.Select(s => N(s.Values[i]))).ToArray()).ToList(),
        first: 1);

    public static AnalyticsTable Top(TopResult t) => t.Kind == TopKind.Products
        ? new("top-products", ["product", "order_lines", "customers", "quantity", "revenue"],
            t.Items.Select(i => new string?[] { i.Name, N(i.Count), N(i.Customers), N(i.Quantity), N(i.Revenue) }).ToList(), first: 1)
        : new("top-pages", ["page", "views", "visitors"], t.Items.Select(i => new string?[] { i.Name, N(i.Count), N(i.Customers) }).ToList(), first: 1);

    public static readonly IReadOnlyList<string> Weekdays = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

    public static AnalyticsTable Heatmap(HeatmapResult h) => new("heatmap",
        [$"weekday ({h.TimeZone})", .. Enumerable.Range(0, 24).Select(x => x.ToString("00", CultureInfo.InvariantCulture))],
        h.Counts.Select((d, i) => new string?[] { Weekdays[i] }.Concat(d.Select(N)).ToArray()).ToList(),
        first: 1);
}
