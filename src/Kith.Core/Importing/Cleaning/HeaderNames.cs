using System.Globalization;
using System.Text;

namespace Kith.Core.Importing.Cleaning;

/// <summary>How header names and field keys are compared: "E-mail", "e_mail", "ＥＭＡＩＬ" and "Email " are one name.</summary>
public static class HeaderNames
{
    /// <summary>
    /// NFKC (full-width forms become ASCII), lower-case, and without whitespace, punctuation, symbols and invisible
    /// format characters such as a byte order mark.
    /// </summary>
    public static string Normalize(string? name)
    {
        if (string.IsNullOrEmpty(name)) return "";
        var text = name.IsNormalized(NormalizationForm.FormKC) ? name : name.Normalize(NormalizationForm.FormKC);
        var sb = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c) || char.IsPunctuation(c) || char.IsSymbol(c)) continue;
            var category = char.GetUnicodeCategory(c);
            if (category is UnicodeCategory.Format or UnicodeCategory.Control) continue;
            sb.Append(char.ToLowerInvariant(c));
        }
        return sb.ToString();
    }
}
