using System.Text.RegularExpressions;
using Kith.Localization;

namespace Kith.Tests.Events;

/// <summary>Every text of the tracking page has a Simplified Chinese translation.</summary>
public sealed partial class TrackingTextsTests
{
    [Fact]
    public void EveryLocalizedTextOfTheTrackingPageHasAChineseTranslation()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Kith.slnx"))) dir = dir.Parent;
        var folder = Path.Combine(dir!.FullName, "src", "Kith", "Behavior");
        var keys = Directory.EnumerateFiles(folder, "*.razor").Concat(Directory.EnumerateFiles(folder, "*.cs"))
            .SelectMany(p => Localized().Matches(File.ReadAllText(p)).Select(m => m.Groups[1].Value))
            .Concat(["Tracking"]).Distinct().ToList();
        var missing = keys.Where(k => !KithLocalizer.Chinese.ContainsKey(k)).ToList();
        Assert.True(missing.Count == 0, "No Chinese text for: " + string.Join(" | ", missing));
        Assert.True(keys.Count > 20);
    }

    [GeneratedRegex("""L\["([^"]+)"[\],]""")]
    private static partial Regex Localized();
}
