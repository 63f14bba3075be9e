using System.Text.RegularExpressions;
using Kith.Localization;

namespace Kith.Tests.Communications;

/// <summary>Every text of the timeline, the "Log activity" dialog, "My day" and the channel admin has a Chinese translation.</summary>
public sealed partial class CommunicationTextsTests
{
    [Fact]
    public void EveryLocalizedTextOfTheCommunicationScreensHasAChineseTranslation()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Kith.slnx"))) dir = dir.Parent;
        Assert.NotNull(dir);
        var keys = new[] { "Communications", "Timeline", "Tasks" }
            .SelectMany(f => Directory.EnumerateFiles(Path.Combine(dir.FullName, "src", "Kith", f), "*.razor"))
            .SelectMany(p => Localized().Matches(File.ReadAllText(p)).Select(m => m.Groups[1].Value))
            // Labels the timeline passes to L[...] through a switch.
            .Concat(["Communications", "Tasks", "Purchases", "Record changes", "Behaviour", "Record created", "Record deleted", "Record restored",
                     "Record merged", "Record changed"])
            .Distinct()
            .ToList();
        Assert.Contains("Log activity", keys);
        var missing = keys.Where(k => !KithLocalizer.Chinese.ContainsKey(k)).ToList();
        Assert.True(missing.Count == 0, "No Chinese text for: " + string.Join(" | ", missing));
    }

    [GeneratedRegex("""L\["([^"]+)"[\],]""")]
    private static partial Regex Localized();
}
