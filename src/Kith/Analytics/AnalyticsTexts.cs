using System.Globalization;
using Kith.Core.Analytics;
using Microsoft.Extensions.Localization;

namespace Kith.Analytics;

/// <summary>How the analytics pages and dashboards write segments, metrics, periods and numbers, in the viewer's language.</summary>
public static class AnalyticsTexts
{
    /// <summary>The English names of the RFM segments by key (localizer keys).</summary>
    public static readonly IReadOnlyDictionary<string, string> Segments = new Dictionary<string, string>
    {
        ["champions"] = "Champions", ["loyal"] = "Loyal", ["potential_loyalist"] = "Potential loyalist", ["new"] = "New customers",
        ["promising"] = "Promising", ["need_attention"] = "Need attention", ["about_to_sleep"] = "About to sleep", ["at_risk"] = "At risk",
        ["cant_lose_them"] = "Can't lose them", ["hibernating"] = "Hibernating", ["lost"] = "Lost",
    };

    public static readonly IReadOnlyDictionary<TrendMetric, string> Metrics = new Dictionary<TrendMetric, string>
    {
        [TrendMetric.Events] = "Events by type", [TrendMetric.Pages] = "Visits by page", [TrendMetric.Communications] = "Communications by channel",
        [TrendMetric.Outcomes] = "Communications by outcome", [TrendMetric.Purchases] = "Purchases by product", [TrendMetric.Revenue] = "Revenue by product",
        [TrendMetric.NewCustomers] = "New customers", [TrendMetric.ActiveCustomers] = "Active customers",
    };

    public static readonly IReadOnlyDictionary<TimeInterval, string> Intervals = new Dictionary<TimeInterval, string>
    {
        [TimeInterval.Day] = "Day", [TimeInterval.Week] = "Week", [TimeInterval.Month] = "Month",
    };

    /// <summary>Names Kith gives lines itself; event types, channels and products from the data stay as they are.</summary>
    public static readonly IReadOnlyDictionary<string, string> SeriesNames = new Dictionary<string, string>
    {
        ["access"] = "Visits", ["like"] = "Likes", ["purchase"] = "Purchases", ["other"] = "Other", ["none"] = "No outcome",
        ["revenue"] = "Revenue", ["new_customers"] = "New customers", ["active_customers"] = "Active customers",
    };

    /// <summary>Quick choices of the period picker: the last so many days, ending today.</summary>
    public static readonly IReadOnlyList<(int Days, string Label)> PeriodPresets = [(30, "30 days"), (90, "90 days"), (365, "12 months"), (1095, "3 years")];

    public static readonly IReadOnlyList<string> Weekdays = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

    public static string Segment(string key, IStringLocalizer l) => Segments.TryGetValue(key, out var text) ? l[text] : key;

    public static string Series(string name, IStringLocalizer l) => SeriesNames.TryGetValue(name, out var text) ? l[text] : name;

    public static string Bucket(string start, TimeInterval interval) => interval == TimeInterval.Month && start.Length >= 7 ? start[..7] : start;

    public static string N(long n) => n.ToString("N0", CultureInfo.CurrentCulture);

    public static string N(double n) => n.ToString("N0", CultureInfo.CurrentCulture);

    public static string Money(decimal n) => n.ToString("N2", CultureInfo.CurrentCulture);

    public static string Percent(double share) => share.ToString("P1", CultureInfo.CurrentCulture);

    public static string Date(DateTime utc) => utc.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>A cell colour from white to the primary blue, by the share of the largest value.</summary>
    public static string Heat(double share)
    {
        share = Math.Clamp(share, 0, 1);
        var r = (int)(255 - share * (255 - 25));
        var g = (int)(255 - share * (255 - 118));
        var b = (int)(255 - share * (255 - 210));
        var text = share > 0.55 ? "#fff" : "#000";
        return string.Create(CultureInfo.InvariantCulture, $"background-color: rgb({r},{g},{b}); color: {text}; text-align: right;");
    }

    /// <summary>The query string the API and the CSV downloads take for a period.</summary>
    public static string Period(DateTime? from, DateTime? to) =>
        $"from={from?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}&to={to?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}";
}
