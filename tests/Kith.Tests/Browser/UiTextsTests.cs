using System.Text.RegularExpressions;
using Kith.Localization;

namespace Kith.Tests.Browser;

/// <summary>Every text the customer, company and custom field screens show has a Simplified Chinese translation.</summary>
public sealed partial class UiTextsTests
{
    private static readonly string[] s_folders = ["Components", "Customers", "Companies", "CustomFields", "SavedViews", "Segments", "Predictions", "Cases", "Backups", "Privacy", "Audit", "Feedback", "SensitiveFields", "Timeline", "Behavior", "Analytics"];

    [Fact]
    public void EveryLocalizedTextOfTheRecordScreensHasAChineseTranslation()
    {
        var root = Path.Combine(RepositoryRoot(), "src", "Kith");
        var keys = s_folders
            .SelectMany(f => Directory.EnumerateFiles(Path.Combine(root, f), "*.*", SearchOption.AllDirectories))
            .Where(p => p.EndsWith(".razor", StringComparison.Ordinal) || p.EndsWith(".cs", StringComparison.Ordinal))
            .SelectMany(p => Localized().Matches(File.ReadAllText(p)).Select(m => m.Groups[1].Value))
            // Labels and names the pages pass to L[...] indirectly.
            .Concat(["Lead", "Prospect", "Customer", "Churned", "Female", "Male", "Other", "Text", "Number", "Date", "Choice",
                     "Birth date", "Signup date", "External id", "Employees", "Industry", "Domain", "Website", "API", "import",
                     "command line", "unknown",
                     "Open", "Pending", "Resolved", "Closed", "Low", "Normal", "High", "Urgent", "Subject", "Company", "Assignee",
                     "Marketing email", "SMS", "Website tracking", "Consent", "Contract", "Legal obligation",
                     "Vital interest", "Public task", "Legitimate interest", "Form", "Import", "Kith UI", "Granted", "Withdrawn",
                     "Behaviour events", "Communications", "Email messages", "Import reports", "Deleted customers (erased after)"])
            .Distinct()
            .ToList();
        var missing = keys.Where(k => !KithLocalizer.Chinese.ContainsKey(k)).ToList();
        Assert.True(missing.Count == 0, "No Chinese text for: " + string.Join(" | ", missing));
        Assert.True(keys.Count > 100);
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
