using System.Globalization;
using System.Text.RegularExpressions;
using Kith.Duplicates;
using Kith.Localization;

namespace Kith.Tests.Duplicates;

/// <summary>Every text the duplicate pages show has a Simplified Chinese translation, reasons from the matcher included.</summary>
public sealed partial class DuplicateTextsTests
{
    [Fact]
    public void EveryTextOfTheDuplicatePagesHasAChineseTranslation()
    {
        var folder = Path.Combine(RepositoryRoot(), "src", "Kith", "Duplicates");
        var keys = Directory.EnumerateFiles(folder)
            .Where(p => p.EndsWith(".razor", StringComparison.Ordinal) || p.EndsWith(".cs", StringComparison.Ordinal))
            .SelectMany(p => Localized().Matches(File.ReadAllText(p)).Select(m => m.Groups[1].Value))
            .Concat(DuplicateTexts.ReasonKeys)
            .Concat(DuplicateTexts.FieldLabels.Values)
            .Append("Duplicates")
            .Distinct()
            .ToList();
        var missing = keys.Where(k => !KithLocalizer.Chinese.ContainsKey(k)).ToList();
        Assert.True(missing.Count == 0, "No Chinese text for: " + string.Join(" | ", missing));
        Assert.True(keys.Count > 40);
    }

    [Fact]
    public void ReasonsAreTranslatedWithTheirScoreAndUnknownOnesStayAsWritten()
    {
        var culture = CultureInfo.CurrentUICulture;
        try
        {
            CultureInfo.CurrentUICulture = new CultureInfo("zh-Hans");
            var l = new KithLocalizer();
            Assert.Equal("姓名相似（0.93）", DuplicateTexts.Reason("similar name (0.93)", l));
            Assert.Equal("邮箱相同", DuplicateTexts.Reason("same email", l));
            Assert.Equal("same shoe size", DuplicateTexts.Reason("same shoe size", l));
            Assert.Equal("odd (0.5)", DuplicateTexts.Reason("odd (0.5)", l));
            // The birthDate row shows the age too ("22" for a customer with only an age): its label says so.
            Assert.Equal("出生日期与年龄", DuplicateTexts.FieldLabel("birthDate", [], l));
        }
        finally
        {
            CultureInfo.CurrentUICulture = culture;
        }
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
