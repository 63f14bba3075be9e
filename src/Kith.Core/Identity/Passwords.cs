using System.Reflection;
using Microsoft.AspNetCore.Identity;

namespace Kith.Core.Identity;

/// <summary>
/// The password rules and the hasher. Length is what makes a password strong, so the only rules are a minimum
/// length, a generous maximum, and a refusal of passwords that attackers try first (a shipped list of common
/// passwords, their obvious variants, and passwords built from the user's own email address).
/// </summary>
public static class Passwords
{
    public const int MinLength = 8;
    /// <summary>Long pass phrases are welcome; the cap only keeps hashing a request body cheap.</summary>
    public const int MaxLength = 1024;

    private static readonly PasswordHasher<User> s_hasher = new();
    private static readonly HashSet<string> s_common = LoadCommon();
    // Unknown accounts are checked against this hash so that a sign-in takes as long whether the account exists or not.
    private static readonly Lazy<string> s_dummyHash = new(() => s_hasher.HashPassword(new User(), Guid.NewGuid().ToString()));

    private static readonly string[] s_sequences =
    [
        "0123456789012345678901234567890", "9876543210987654321098765432109",
        "abcdefghijklmnopqrstuvwxyz", "zyxwvutsrqponmlkjihgfedcba",
        "qwertyuiop", "asdfghjkl", "zxcvbnm", "poiuytrewq", "lkjhgfdsa", "mnbvcxz",
        "qwertzuiop", "azertyuiop", "1qaz2wsx3edc4rfv5tgb", "qazwsxedcrfvtgbyhn", "1q2w3e4r5t6y7u8i9o0p", "zaq12wsxcde3",
    ];

    /// <summary>Why the password is refused, or null when it is acceptable.</summary>
    public static string? Problem(string? password, string? email = null)
    {
        if (string.IsNullOrEmpty(password)) return "Enter a password.";
        if (password.Length < MinLength) return $"The password must have at least {MinLength} characters.";
        if (password.Length > MaxLength) return $"The password must have at most {MaxLength} characters.";
        if (IsCommon(password, email)) return "This password is too common or too easy to guess; choose a longer or less predictable one, such as a few unrelated words.";
        return null;
    }

    /// <summary>Throws a field error on <paramref name="field"/> when the password is refused.</summary>
    public static void Ensure(string? password, string? email, string field = "password")
    {
        if (Problem(password, email) is { } problem) throw Infrastructure.RuleViolation.Field(field, problem);
    }

    internal static bool IsCommon(string password, string? email)
    {
        var lower = password.ToLowerInvariant();
        var bare = new string(lower.Where(c => !char.IsWhiteSpace(c)).ToArray());
        foreach (var candidate in Variants(bare))
        {
            if (candidate.Length == 0) continue;
            if (s_common.Contains(candidate)) return true;
            if (candidate.Distinct().Count() <= 2) return true;
            if (candidate.Length >= 4 && s_sequences.Any(s => s.Contains(candidate, StringComparison.Ordinal))) return true;
            if (IsRepeatedUnit(candidate)) return true;
        }
        if (email is { Length: > 0 })
        {
            var local = email.Split('@')[0].ToLowerInvariant();
            var domain = email.Contains('@') ? email.Split('@')[1].Split('.')[0].ToLowerInvariant() : "";
            var stripped = StripEnds(bare);
            if (local.Length >= 3 && (stripped == local || bare.Contains(local, StringComparison.Ordinal) && bare.Length - local.Length < 6)) return true;
            if (domain.Length >= 3 && stripped == domain) return true;
            if (bare == email.ToLowerInvariant()) return true;
        }
        return false;
    }

    /// <summary>The password, its de-leeted form, and both without leading and trailing digits and symbols ("Passw0rd123!").</summary>
    private static IEnumerable<string> Variants(string lower)
    {
        var unleet = Unleet(lower);
        yield return lower;
        yield return unleet;
        yield return StripEnds(lower);
        yield return StripEnds(unleet);
    }

    private static string StripEnds(string s)
    {
        var core = s.TrimEnd("0123456789!@#$%^&*()-_=+.?~ ,;:'\"".ToCharArray()).TrimStart("0123456789!@#$%^&*.?~ ".ToCharArray());
        return core.Length >= 4 ? core : s;
    }

    private static string Unleet(string s) => new(s.Select(c => c switch
    {
        '@' or '4' => 'a',
        '0' => 'o',
        '1' or '!' => 'i',
        '3' => 'e',
        '$' or '5' => 's',
        '7' => 't',
        _ => c,
    }).ToArray());

    private static bool IsRepeatedUnit(string s)
    {
        for (var unit = 1; unit <= s.Length / 2; unit++)
        {
            if (s.Length % unit != 0) continue;
            var piece = s[..unit];
            if (string.Concat(Enumerable.Repeat(piece, s.Length / unit)) == s) return true;
        }
        return false;
    }

    public static string Hash(User user, string password) => s_hasher.HashPassword(user, password);

    /// <summary>True when the password matches; rehashes silently when the hasher's format has moved on.</summary>
    public static bool Verify(User user, string password, out bool rehash)
    {
        rehash = false;
        if (user.PasswordHash.Length == 0) return false;
        var result = s_hasher.VerifyHashedPassword(user, user.PasswordHash, password);
        rehash = result == PasswordVerificationResult.SuccessRehashNeeded;
        return result != PasswordVerificationResult.Failed;
    }

    /// <summary>Spends the same time as <see cref="Verify"/> for an account that does not exist.</summary>
    public static void VerifyNobody(string password) =>
        s_hasher.VerifyHashedPassword(new User(), s_dummyHash.Value, password);

    private static HashSet<string> LoadCommon()
    {
        var assembly = Assembly.GetExecutingAssembly();
        var name = assembly.GetManifestResourceNames().Single(n => n.EndsWith("CommonPasswords.txt", StringComparison.Ordinal));
        using var reader = new StreamReader(assembly.GetManifestResourceStream(name)!);
        var set = new HashSet<string>(StringComparer.Ordinal);
        while (reader.ReadLine() is { } line)
        {
            line = line.Trim();
            if (line.Length > 0 && !line.StartsWith('#')) set.Add(line.ToLowerInvariant());
        }
        return set;
    }
}
