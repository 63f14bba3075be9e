using System.Text.RegularExpressions;
using Kith.Core.Infrastructure;

namespace Kith.Core.Mail;

/// <summary>
/// Fills <c>{{field}}</c> placeholders in a template. An unknown field is an error rather than an empty gap,
/// so a typo is caught before the mail leaves, not by the customer.
/// </summary>
public static partial class MergeFields
{
    public static readonly IReadOnlyList<string> Known =
        ["name", "first_name", "company", "email", "phone", "city", "sender_name", "sender_email"];

    [GeneratedRegex(@"\{\{\s*([^{}]*?)\s*\}\}")]
    private static partial Regex Placeholder();

    /// <summary>Replaces every placeholder; throws a RuleViolation on <paramref name="field"/> listing the unknown ones.</summary>
    public static string Render(string template, IReadOnlyDictionary<string, string?> values, string field)
    {
        var unknown = Placeholder().Matches(template).Select(m => m.Groups[1].Value)
            .Where(name => !values.ContainsKey(name.ToLowerInvariant())).Distinct().ToList();
        if (unknown.Count > 0)
        {
            var message = $"Unknown merge field {string.Join(", ", unknown.Select(u => "{{" + u + "}}"))} in the {field}. " +
                          $"Known fields: {string.Join(", ", Known.Select(k => "{{" + k + "}}"))}.";
            throw RuleViolation.Field(field, message);
        }
        return Placeholder().Replace(template, m => values[m.Groups[1].Value.ToLowerInvariant()] ?? "");
    }

    public static Dictionary<string, string?> For(string name, string? company, string? email, string? phone, string? city, string senderName, string senderEmail) =>
        new()
        {
            ["name"] = name,
            ["first_name"] = FirstName(name),
            ["company"] = company,
            ["email"] = email,
            ["phone"] = phone,
            ["city"] = city,
            ["sender_name"] = senderName,
            ["sender_email"] = senderEmail,
        };

    /// <summary>The first word of a Western name; a Chinese name (no spaces) is used whole, as it is addressed in full.</summary>
    private static string FirstName(string name)
    {
        var trimmed = name.Trim();
        var space = trimmed.IndexOf(' ');
        return space > 0 ? trimmed[..space] : trimmed;
    }
}
