using System.Text.RegularExpressions;
using Kith.Analytics;
using Kith.Localization;

namespace Kith.Tests.Analytics;

/// <summary>Every text the analytics page and the dashboards show has a Simplified Chinese translation, segment names included.</summary>
public sealed partial class AnalyticsTextsTests
{
    [Fact]
    public void EveryTextOfTheAnalyticsPagesHasAChineseTranslation()
    {
        var folder = Path.Combine(RepositoryRoot(), "src", "Kith", "Analytics");
        var keys = Directory.EnumerateFiles(folder)
            .Where(p => p.EndsWith(".razor", StringComparison.Ordinal) || p.EndsWith(".cs", StringComparison.Ordinal))
            .SelectMany(p => Localized().Matches(File.ReadAllText(p)).Select(m => m.Groups[1].Value))
            .Concat(AnalyticsTexts.Segments.Values)
            .Concat(AnalyticsTexts.Metrics.Values)
            .Concat(AnalyticsTexts.Intervals.Values)
            .Concat(AnalyticsTexts.SeriesNames.Values)
            .Concat(AnalyticsTexts.Weekdays)
            .Concat(AnalyticsTexts.PeriodPresets.Select(p => p.Label))
            .Distinct()
            .ToList();
        var missing = keys.Where(k => !KithLocalizer.Chinese.ContainsKey(k)).ToList();
        Assert.True(missing.Count == 0, "No Chinese text for: " + string.Join(" | ", missing));
        Assert.True(keys.Count > 60);
        Assert.Equal(Kith.Core.Analytics.RfmSegments.All.Order(), AnalyticsTexts.Segments.Keys.Order());
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Kith.slnx"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Kith.slnx not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex("""L\["([^"]+)"[\],]""")]
    private static partial Regex Localized();
}
