using System.ComponentModel.DataAnnotations;
using System.Net.Mail;
using System.Text.Json;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Core.Settings;
using Microsoft.EntityFrameworkCore;
using PhoneNumbers;

namespace Kith.Core.Customers;

/// <summary>
/// The rules customers and companies share: checking a form model, email and phone normalisation, and who may
/// own a record. Companies use it too; it lives here because customers are where the rules were first written.
/// </summary>
public sealed class ContactRules(KithDb db, WorkspaceSettings settings)
{
    private static readonly PhoneNumberUtil s_phones = PhoneNumberUtil.GetInstance();

    /// <summary>Runs the DataAnnotations of an input and throws one RuleViolation naming every bad field (camelCase).</summary>
    public static void Validate(object input)
    {
        var results = new List<ValidationResult>();
        if (Validator.TryValidateObject(input, new ValidationContext(input), results, validateAllProperties: true)) return;
        var errors = results
            .SelectMany(r => (r.MemberNames.Any() ? r.MemberNames : [""]).Select(m => (Field: JsonNamingPolicy.CamelCase.ConvertName(m), r.ErrorMessage ?? "Not valid.")))
            .GroupBy(e => e.Field)
            .ToDictionary(g => g.Key, g => g.Select(e => e.Item2).ToArray());
        throw new RuleViolation("Some fields are not valid.", errors);
    }

    /// <summary>Trimmed and lower-cased, or null when blank; a malformed address is refused.</summary>
    public static string? NormalizeEmail(string? email, string field = "email")
    {
        var e = email?.Trim().ToLowerInvariant();
        if (string.IsNullOrEmpty(e)) return null;
        var at = e.IndexOf('@');
        var ok = at > 0 && at == e.LastIndexOf('@') && e.IndexOf('.', at) > at + 1 && !e.EndsWith('.') &&
                 !e.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '<' or '>' or '(' or ')' or ',' or ';' or ':' or '"' or '[' or ']' or '\\') &&
                 MailAddress.TryCreate(e, out var parsed) && parsed.Address == e;
        if (!ok) throw RuleViolation.Field(field, $"'{email}' is not an email address.");
        return e;
    }

    /// <summary>
    /// E.164 when the number parses as a valid number (read with the workspace's default region when it has no
    /// country code); otherwise kept as typed and marked not valid. Text that is not a phone number at all
    /// (letters, too few digits) is refused.
    /// </summary>
    public async Task<(string? Phone, bool IsValid)> NormalizePhoneAsync(string? phone, string field, CancellationToken ct)
    {
        var p = phone?.Trim();
        if (string.IsNullOrEmpty(p)) return (null, true);
        var digits = p.Count(char.IsAsciiDigit);
        if (digits < 3 || p.Any(c => !char.IsAsciiDigit(c) && c is not (' ' or '+' or '-' or '.' or '(' or ')' or '/')))
            throw RuleViolation.Field(field, $"'{phone}' is not a phone number: use digits, spaces, + - . ( ) only.");
        var region = await settings.DefaultPhoneRegionAsync(ct);
        try
        {
            var number = s_phones.Parse(p, region);
            if (s_phones.IsValidNumber(number)) return (s_phones.Format(number, PhoneNumberFormat.E164), true);
        }
        catch (NumberParseException)
        {
            // Kept as typed below: a number Kith cannot read is still worth keeping for a person to fix.
        }
        return (p, false);
    }

    /// <summary>
    /// The owner a record gets: the requested one when the caller may assign records (and it is an enabled user),
    /// else the current owner (on create: the caller). Naming anyone else without the right is refused, never stored.
    /// </summary>
    public async Task<long> ResolveOwnerAsync(long? requested, long current, AccessScope scope, CancellationToken ct)
    {
        if (requested is null || requested == current) return current;
        if (!scope.Policy.CanAssign) throw new Forbidden("Your role may not assign records to another owner.");
        var id = requested.Value;
        if (!await db.Users.AnyAsync(u => u.Id == id && !u.IsDisabled, ct))
            throw RuleViolation.Field("ownerId", $"There is no active user with id {id}.");
        return id;
    }

    public static string? Clean(string? value)
    {
        var v = value?.Trim();
        return string.IsNullOrEmpty(v) ? null : v;
    }
}
