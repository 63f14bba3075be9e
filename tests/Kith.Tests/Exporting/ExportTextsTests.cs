using System.Text.RegularExpressions;
using Kith.Localization;

namespace Kith.Tests.Exporting;

/// <summary>The Export menu's texts all have a Simplified Chinese translation.</summary>
public sealed partial class ExportTextsTests
{
    [Fact]
    public void EveryLocalizedTextOfTheExportMenuHasAChineseTranslation()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Kith.slnx"))) dir = dir.Parent;
        Assert.NotNull(dir);
        var keys = Directory.EnumerateFiles(Path.Combine(dir.FullName, "src", "Kith", "Exporting"), "*.razor")
            .SelectMany(p => Localized().Matches(File.ReadAllText(p)).Select(m => m.Groups[1].Value))
            .Distinct()
            .ToList();
        Assert.Contains("Export", keys);
        var missing = keys.Where(k => !KithLocalizer.Chinese.ContainsKey(k)).ToList();
        Assert.True(missing.Count == 0, "No Chinese text for: " + string.Join(" | ", missing));
        Assert.Equal("导出", KithLocalizer.Chinese["Export"]);
    }

    [GeneratedRegex("""L\["([^"]+)"[\],]""")]
    private static partial Regex Localized();
}
