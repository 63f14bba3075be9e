using System.Globalization;
using Kith.Core.CustomFields;
using Kith.Core.Customers;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Core.Search;
using Kith.Core.Tags;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Companies;

/// <summary>Applies a <see cref="CompanyInput"/> to a company: the rules for a company's fields in one place.</summary>
public sealed class CompanyWriter(KithDb db, ContactRules contacts, TagSet tags, CustomFieldDefinitions fields)
{
    public async Task ApplyAsync(Company company, CompanyInput input, AccessScope scope, CancellationToken ct)
    {
        ContactRules.Validate(input);
        var name = input.Name.Trim();
        if (name.Length == 0) throw RuleViolation.Field("name", "A company needs a name.");
        var email = ContactRules.NormalizeEmail(input.Email);
        var (phone, phoneOk) = await contacts.NormalizePhoneAsync(input.Phone, "phone", ct);
        var domain = NormalizeDomain(input.Domain);
        var externalId = ContactRules.Clean(input.ExternalId);
        if (externalId is not null && await db.Companies.AnyAsync(c => c.ExternalId == externalId && c.Id != company.Id, ct))
            throw new RuleViolation($"Another company has the external id '{externalId}'.",
                new Dictionary<string, string[]> { ["externalId"] = ["This external id belongs to another company."] }, 409);
        var owner = await contacts.ResolveOwnerAsync(input.OwnerId, company.Id == 0 ? scope.UserId : company.OwnerId, scope, ct);
        var customFields = await fields.ValidateValuesAsync(CustomFieldEntity.Company, input.CustomFields, company.Id == 0 ? null : company.CustomFields, ct);
        var tagList = await tags.ResolveAsync(input.Tags, "tags", ct);

        company.Name = name;
        company.Domain = domain;
        company.Industry = ContactRules.Clean(input.Industry);
        company.Phone = phone;
        company.PhoneIsValid = phoneOk;
        company.Email = email;
        company.Website = ContactRules.Clean(input.Website);
        company.City = ContactRules.Clean(input.City);
        company.Address = ContactRules.Clean(input.Address);
        company.Employees = input.Employees;
        company.OwnerId = owner;
        company.ExternalId = externalId;
        company.CustomFields = customFields;
        company.Tags.RemoveAll(t => !tagList.Contains(t));
        foreach (var t in tagList.Where(t => !company.Tags.Contains(t))) company.Tags.Add(t);
        company.SearchText = SearchGrams.Text(company.Name, company.Domain, company.Email, SearchGrams.PhoneDigits(company.Phone));
        company.SearchGrams = SearchGrams.Tokens(company.SearchText);
    }

    /// <summary>"https://www.Example.com/about" becomes "www.example.com"; anything that is not a host name is refused.</summary>
    public static string? NormalizeDomain(string? value)
    {
        var v = value?.Trim().ToLowerInvariant();
        if (string.IsNullOrEmpty(v)) return null;
        if (v.Contains("://", StringComparison.Ordinal) && Uri.TryCreate(v, UriKind.Absolute, out var uri)) v = uri.Host;
        v = v.TrimEnd('/');
        if (Uri.CheckHostName(v) != UriHostNameType.Dns || !v.Contains('.'))
            throw RuleViolation.Field("domain", $"'{value}' is not a domain such as example.com.");
        return v;
    }

    public static Dictionary<string, string?> Snapshot(Company c)
    {
        var s = new Dictionary<string, string?>
        {
            ["name"] = c.Name, ["domain"] = c.Domain, ["industry"] = c.Industry, ["phone"] = c.Phone, ["email"] = c.Email,
            ["website"] = c.Website, ["city"] = c.City, ["address"] = c.Address,
            ["employees"] = c.Employees?.ToString(CultureInfo.InvariantCulture),
            ["ownerId"] = c.OwnerId.ToString(CultureInfo.InvariantCulture), ["externalId"] = c.ExternalId,
            ["tags"] = c.Tags.Count == 0 ? null : string.Join(",", c.Tags.Select(t => t.Name).Order(StringComparer.OrdinalIgnoreCase)),
        };
        foreach (var (key, value) in CustomFieldDefinitions.Parse(c.CustomFields))
            s["customFields." + key] = value.ValueKind == System.Text.Json.JsonValueKind.String ? value.GetString() : value.GetRawText();
        return s;
    }
}
