using System.Text.RegularExpressions;
using Kith.Core.Identity;
using Kith.Localization;

namespace Kith.Tests.Identity;

/// <summary>Every text the sign-in, profile, token and admin pages show has a Simplified Chinese translation.</summary>
public sealed partial class IdentityTextsTests
{
    [Fact]
    public void EveryLocalizedTextOfTheIdentityPagesHasAChineseTranslation()
    {
        var folder = Path.Combine(RepositoryRoot(), "src", "Kith", "Identity");
        var keys = Directory.EnumerateFiles(folder, "*.razor")
            .SelectMany(p => Localized().Matches(File.ReadAllText(p)).Select(m => m.Groups[1].Value))
            // Role names are passed to L[...] from the enum, and these rule messages reach the pages from Core.
            .Concat(Enum.GetNames<Role>())
            .Concat([
                Passwords.Problem("", null)!, Passwords.Problem("short", null)!, Passwords.Problem("password123", null)!,
                "Enter a valid email address, such as name@example.com.", "A user with this email already exists.",
                "This is the last active administrator; make another user an administrator first.",
                "The current password is not correct.", "A team with this name already exists.",
                "The code is not correct. Check the time on your phone and enter the code the app shows now.",
                "Two-factor sign-in is already on.", "Two-factor sign-in is already off.", "Start setting up two-factor sign-in first.",
                "Your role requires two-factor sign-in, so it cannot be turned off.", "The password is not correct.", "The code is not correct.",
                "Creating a token needs a sign-in with your two-factor code: sign out, sign in again, then create the token.",
            ])
            .Distinct()
            .ToList();
        var missing = keys.Where(k => !KithLocalizer.Chinese.ContainsKey(k)).ToList();
        Assert.True(missing.Count == 0, "No Chinese text for: " + string.Join(" | ", missing));
        Assert.True(keys.Count > 60);
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
