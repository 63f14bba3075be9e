using System.Globalization;
using Kith.Core.Companies;
using Kith.Core.CustomFields;
using Kith.Core.History;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Core.Search;
using Kith.Core.Tags;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Customers;

/// <summary>
/// Applies a <see cref="CustomerInput"/> to a customer: every rule of issue 2 for a customer's fields in one place,
/// shared by create, update and merge patch (and the importer). Throws <see cref="RuleViolation"/> before touching
/// the entity when any field is refused, so nothing half-applied is ever saved.
/// </summary>
public sealed class CustomerWriter(KithDb db, ContactRules contacts, TagSet tags, CustomFieldDefinitions fields, TimeProvider clock)
{
    public async Task ApplyAsync(Customer customer, CustomerInput input, AccessScope scope, CancellationToken ct)
    {
        ContactRules.Validate(input);
        var name = input.Name.Trim();
        if (name.Length == 0) throw RuleViolation.Field("name", "A customer needs a name.");
        var email = ContactRules.NormalizeEmail(input.Email);
        var (phone, phoneOk) = await contacts.NormalizePhoneAsync(input.Phone, "phone", ct);
        var externalId = ContactRules.Clean(input.ExternalId);
        if (externalId is not null && await db.Customers.AnyAsync(c => c.ExternalId == externalId && c.Id != customer.Id, ct))
            throw new RuleViolation($"Another customer has the external id '{externalId}'.",
                new Dictionary<string, string[]> { ["externalId"] = ["This external id belongs to another customer."] }, 409);
        string? companyName = null;
        if (input.CompanyId is { } companyId)
        {
            companyName = await scope.Visible(db.Companies.AsNoTracking()).Where(c => c.Id == companyId).Select(c => c.Name).FirstOrDefaultAsync(ct)
                          ?? throw RuleViolation.Field("companyId", $"There is no company with id {companyId}.");
        }
        var owner = await contacts.ResolveOwnerAsync(input.OwnerId, customer.Id == 0 ? scope.UserId : customer.OwnerId, scope, ct);
        var customFields = await fields.ValidateValuesAsync(CustomFieldEntity.Customer, input.CustomFields, customer.Id == 0 ? null : customer.CustomFields, ct);
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        if (input.BirthDate is { } birth && birth > today) throw RuleViolation.Field("birthDate", "A birth date cannot be in the future.");
        var tagList = await tags.ResolveAsync(input.Tags, "tags", ct);

        customer.Name = name;
        customer.Email = email;
        customer.Phone = phone;
        customer.PhoneIsValid = phoneOk;
        customer.BirthDate = input.BirthDate;
        customer.Age = input.BirthDate is { } b ? AgeOn(b, today) : input.Age;
        customer.Gender = input.Gender;
        customer.City = ContactRules.Clean(input.City);
        customer.Address = ContactRules.Clean(input.Address);
        customer.CompanyId = input.CompanyId;
        customer.OwnerId = owner;
        customer.Stage = input.Stage;
        customer.Source = ContactRules.Clean(input.Source);
        customer.SignupDate = input.SignupDate;
        customer.ExternalId = externalId;
        customer.CustomFields = customFields;
        customer.Tags.RemoveAll(t => !tagList.Contains(t));
        foreach (var t in tagList.Where(t => !customer.Tags.Contains(t))) customer.Tags.Add(t);
        SetSearch(customer, companyName);
    }

    public static void SetSearch(Customer customer, string? companyName)
    {
        customer.SearchText = SearchGrams.Text(customer.Name, customer.Email, SearchGrams.PhoneDigits(customer.Phone), companyName);
        customer.SearchGrams = SearchGrams.Tokens(customer.SearchText);
    }

    public static int AgeOn(DateOnly birth, DateOnly today)
    {
        var age = today.Year - birth.Year;
        if (today < birth.AddYears(age)) age--;
        return Math.Clamp(age, 0, 150);
    }

    /// <summary>The values history compares, by API name; custom fields as customFields.key and tags as a sorted list.</summary>
    public static Dictionary<string, string?> Snapshot(Customer c)
    {
        var s = new Dictionary<string, string?>
        {
            ["name"] = c.Name, ["email"] = c.Email, ["phone"] = c.Phone, ["birthDate"] = Date(c.BirthDate),
            ["age"] = c.Age?.ToString(CultureInfo.InvariantCulture), ["gender"] = Enum(c.Gender), ["city"] = c.City,
            ["address"] = c.Address, ["companyId"] = c.CompanyId?.ToString(CultureInfo.InvariantCulture),
            ["ownerId"] = c.OwnerId.ToString(CultureInfo.InvariantCulture), ["stage"] = Enum(c.Stage), ["source"] = c.Source,
            ["signupDate"] = Date(c.SignupDate), ["externalId"] = c.ExternalId,
            ["tags"] = c.Tags.Count == 0 ? null : string.Join(",", c.Tags.Select(t => t.Name).Order(StringComparer.OrdinalIgnoreCase)),
        };
        foreach (var (key, value) in CustomFieldDefinitions.Parse(c.CustomFields))
            s["customFields." + key] = value.ValueKind == System.Text.Json.JsonValueKind.String ? value.GetString() : value.GetRawText();
        return s;
    }

    internal static string? Date(DateOnly? d) => d?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    internal static string? Enum<T>(T? value) where T : struct, System.Enum =>
        value is { } v ? System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(v.ToString()) : null;

    internal static string? Enum<T>(T value) where T : struct, System.Enum =>
        System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(value.ToString());
}
