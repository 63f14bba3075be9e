using System.Globalization;
using System.Text.RegularExpressions;
using Kith.Core.Customers;
using Kith.Core.CustomFields;
using Kith.Customers;
using Microsoft.Extensions.Localization;
using MudBlazor;

namespace Kith.Duplicates;

/// <summary>How the duplicate pages write scores, reasons, field names and values, in the viewer's language.</summary>
public static partial class DuplicateTexts
{
    /// <summary>English texts (localizer keys) of the reasons the matcher gives; a score in brackets becomes {0}.</summary>
    public static readonly IReadOnlyList<string> ReasonKeys =
    [
        "same email", "same phone", "same phone number, other country code", "same email local part", "same company",
        "same city", "same name", "similar name ({0})", "different name ({0})",
    ];

    /// <summary>
    /// The English labels of the fields a merge chooses between, by their key. birthDate carries the age with it (a
    /// customer with only an age shows "22"), so it is labelled as both.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> FieldLabels = new Dictionary<string, string>
    {
        ["name"] = "Name", ["email"] = "Email", ["phone"] = "Phone", ["birthDate"] = "Birth date and age", ["gender"] = "Gender",
        ["city"] = "City", ["address"] = "Address", ["company"] = "Company", ["stage"] = "Stage", ["source"] = "Source",
        ["signupDate"] = "Signup date",
    };

    public static string Score(double score) => (score * 100).ToString("0", CultureInfo.InvariantCulture) + "%";

    public static Color ScoreColor(bool isExact, double score) => isExact ? Color.Error : score >= 0.8 ? Color.Warning : Color.Default;

    /// <summary>A reason in the viewer's language; one Kith does not know yet stays as the matcher wrote it.</summary>
    public static string Reason(string reason, IStringLocalizer l)
    {
        var m = Scored().Match(reason);
        if (m.Success && ReasonKeys.Contains(m.Groups[1].Value + " ({0})")) return l[m.Groups[1].Value + " ({0})", m.Groups[2].Value];
        return ReasonKeys.Contains(reason) ? l[reason] : reason;
    }

    public static string FieldLabel(string key, IReadOnlyList<CustomFieldView> fields, IStringLocalizer l)
    {
        if (FieldLabels.TryGetValue(key, out var label)) return l[label];
        var custom = key.StartsWith("customFields.", StringComparison.Ordinal) ? key["customFields.".Length..] : key;
        return fields.FirstOrDefault(f => f.Key == custom)?.Label ?? custom;
    }

    /// <summary>Stage and gender come as their API names; show them as words.</summary>
    public static string Value(string key, string? value, IStringLocalizer l) => value is null ? "—" : key switch
    {
        "stage" when Enum.TryParse<LifecycleStage>(value, true, out var s) => l[CustomerTexts.Stage(s)],
        "gender" when Enum.TryParse<Gender>(value, true, out var g) => l[CustomerTexts.Gender(g)],
        _ => value,
    };

    [GeneratedRegex(@"^(.*) \((\d+(?:\.\d+)?)\)$")]
    private static partial Regex Scored();
}
