using System.Globalization;

namespace Kith.Core.Duplicates.Matching;

/// <summary>
/// Whether two people are one, and why. Every rule needs a shared contact signal; a name alone never matches,
/// because names (Chinese ones above all) are short and common.
/// <para><b>Exact</b> (safe to merge without asking; score 0.9 and above):</para>
/// <list type="number">
/// <item>Same email (trimmed, lower-cased). Score 0.9 + 0.1 × name similarity, so a different name still matches but
/// scores lower and says "different name". For a role or placeholder mailbox (info@, sales@, none@, ...) the names
/// must be the same too: colleagues share those addresses.</item>
/// <item>Same phone and the same name (after normalisation, see <see cref="NameSimilarity.Normalise"/>). Score 0.97.
/// A phone alone is not enough: family members and colleagues share numbers, and random numbers collide (about 800
/// pairs among a million US numbers).</item>
/// </list>
/// <para><b>Fuzzy</b> (for review; score below 0.9), each needing a similar name (score at least
/// <see cref="NameSimilarity.SimilarThreshold"/>) unless it says otherwise:</para>
/// <list type="number">
/// <item>Same phone and a similar name (strength 0.9); or the same number under another country code and the same
/// or a similar name (strength 0.85): a number typed without its country code is read in the workspace's default
/// region, so "(310) 628-3476" in a CN workspace is stored as +86 310 6283476 while the same person's +1 310 628 3476
/// is stored as typed.</item>
/// <item>Same distinctive email local part at another domain (john.smith7@gmail.com, john.smith7@acme.com) and a
/// similar or the same name (strength 0.85). Local parts under five characters and role names do not count.</item>
/// <item>A role or placeholder mailbox shared with a similar name (strength 0.85).</item>
/// <item>Same phone (or number) and same distinctive email local part, with a name that is not similar but not clearly
/// different either (score 0.65 or more, e.g. two typos in one part): two independent contact signals agreeing are
/// strong evidence on their own (strength 0.9).</item>
/// <item>The same name at the same company (strength 0.75). The same name in the same city is not a rule: a city
/// holds thousands of Wang Weis.</item>
/// </list>
/// A fuzzy score is the name similarity × the strongest rule's strength, plus 0.03 for each further shared signal
/// (phone, local part, company, city), at most 0.89. The reasons list the shared signals first, then the name.
/// </summary>
public static class DuplicateRules
{
    private const double ExactFloor = 0.9;
    private const double FuzzyCeiling = 0.89;
    private const double TwoSignalNameFloor = 0.65;

    /// <summary>
    /// The customer field a reason compares (<c>email</c>, <c>phone</c>, <c>city</c>), or null for one that compares no
    /// restrictable field (name, company): a reader from whom that field is hidden is not told the two values agree.
    /// </summary>
    public static string? FieldOf(string reason) => reason switch
    {
        "same email" or "same email local part" => "email",
        "same phone" or "same phone number, other country code" => "phone",
        "same city" => "city",
        _ => null,
    };

    /// <summary>The match of <paramref name="person"/> with <paramref name="other"/>, or null when no rule holds.</summary>
    public static DuplicateMatch? Compare(PersonKey person, PersonKey other) => Compare(new PersonProfile(person), new PersonProfile(other));

    internal static DuplicateMatch? Compare(PersonProfile a, PersonProfile b)
    {
        var sameEmail = a.Email is not null && a.Email == b.Email;
        var samePhone = a.Phone is not null && a.Phone == b.Phone;
        var sameNumber = !samePhone && a.NationalNumber is not null && a.NationalNumber == b.NationalNumber;
        var sameLocal = !sameEmail && a.LocalPart is not null && a.LocalPart == b.LocalPart;
        var sameCompany = a.Company is not null && a.Company == b.Company;
        if (!sameEmail && !samePhone && !sameNumber && !sameLocal && !sameCompany) return null;

        var name = NameSimilarity.ScoreNormalised(a.Name, b.Name);
        var sameName = name >= 1.0;
        var similar = name >= NameSimilarity.SimilarThreshold;
        var sameCity = a.City is not null && a.City == b.City;

        var reasons = new List<string>(5);
        if (sameEmail) reasons.Add("same email");
        if (samePhone) reasons.Add("same phone");
        if (sameNumber) reasons.Add("same phone number, other country code");
        if (sameLocal) reasons.Add("same email local part");
        if (sameCompany) reasons.Add("same company");
        if (sameCity) reasons.Add("same city");
        reasons.Add(sameName ? "same name"
            : similar ? string.Create(CultureInfo.InvariantCulture, $"similar name ({name:0.00})")
            : string.Create(CultureInfo.InvariantCulture, $"different name ({name:0.00})"));

        if (sameEmail && (!a.SharedMailbox || sameName))
            return new DuplicateMatch(a.Id, b.Id, MatchKind.Exact, Round(ExactFloor + 0.1 * name), reasons);
        if (samePhone && sameName)
            return new DuplicateMatch(a.Id, b.Id, MatchKind.Exact, 0.97, reasons);
        var further = (samePhone || sameNumber ? 1 : 0) + (sameLocal || sameEmail ? 1 : 0) + (sameCompany ? 1 : 0) + (sameCity ? 1 : 0) - 1;
        if (!similar)
        {
            // Two independent contact signals outweigh a name garbled twice over, but not a clearly different name.
            if ((samePhone || sameNumber) && sameLocal && name >= TwoSignalNameFloor)
                return new DuplicateMatch(a.Id, b.Id, MatchKind.Fuzzy, Round(Math.Min(FuzzyCeiling, name * 0.9 + 0.03 * further)), reasons);
            return null;
        }

        var strength = samePhone ? 0.9
            : sameNumber || sameLocal || sameEmail ? 0.85
            : sameCompany && sameName ? 0.75
            : 0.0;
        if (strength == 0) return null;
        var score = Math.Min(FuzzyCeiling, name * strength + 0.03 * further);
        return new DuplicateMatch(a.Id, b.Id, MatchKind.Fuzzy, Round(score), reasons);
    }

    /// <summary>Exact before fuzzy, then the higher score: which of two matches for one record is the better.</summary>
    internal static bool IsBetter(DuplicateMatch candidate, DuplicateMatch? best) =>
        best is null || (candidate.Kind, best.Kind) switch
        {
            (MatchKind.Exact, MatchKind.Fuzzy) => true,
            (MatchKind.Fuzzy, MatchKind.Exact) => false,
            _ => candidate.Score > best.Score,
        };

    private static double Round(double score) => Math.Round(score, 3);
}
