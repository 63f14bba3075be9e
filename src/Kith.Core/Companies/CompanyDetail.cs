using System.Text.Json;
using Kith.Core.History;
using Kith.Core.Identity;

namespace Kith.Core.Companies;

/// <summary>Every field of one company, as the detail page and `GET /api/v1/companies/{id}` show it.</summary>
public sealed record CompanyDetail
{
    public required long Id { get; init; }
    public string? ExternalId { get; init; }
    public required string Name { get; init; }
    public string? Domain { get; init; }
    public string? Industry { get; init; }
    public string? Phone { get; init; }
    public bool PhoneIsValid { get; init; }
    public string? Email { get; init; }
    public string? Website { get; init; }
    public string? City { get; init; }
    public string? Address { get; init; }
    public int? Employees { get; init; }
    public IReadOnlyList<string> Tags { get; init; } = [];
    public required long OwnerId { get; init; }
    public string? OwnerName { get; init; }
    /// <summary>Live customers linked to the company that the caller can see.</summary>
    public int CustomerCount { get; init; }
    public IReadOnlyDictionary<string, JsonElement> CustomFields { get; init; } = new Dictionary<string, JsonElement>();
    public required int Version { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; init; }
    public required ActorRef CreatedBy { get; init; }
    public required ActorRef UpdatedBy { get; init; }
    public DateTime? DeletedAt { get; init; }

    public string ETag => $"\"{Version}\"";

    public CompanyInput ToInput() => new()
    {
        Name = Name, Domain = Domain, Industry = Industry, Phone = Phone, Email = Email, Website = Website, City = City,
        Address = Address, Employees = Employees, Tags = [.. Tags], OwnerId = OwnerId, ExternalId = ExternalId,
        CustomFields = new Dictionary<string, JsonElement>(CustomFields),
    };

    /// <summary>This company as <paramref name="fields"/> lets its reader see it: hidden fields blank, hidden custom fields gone.</summary>
    public CompanyDetail For(FieldAccess fields)
    {
        if (fields.IsOpen) return this;
        const Kith.Core.CustomFields.CustomFieldEntity e = Kith.Core.CustomFields.CustomFieldEntity.Company;
        return this with
        {
            ExternalId = fields.Shown(e, "externalId", ExternalId), Domain = fields.Shown(e, "domain", Domain),
            Industry = fields.Shown(e, "industry", Industry), Phone = fields.Shown(e, "phone", Phone),
            PhoneIsValid = fields.Shown(e, "phoneIsValid", PhoneIsValid), Email = fields.Shown(e, "email", Email),
            Website = fields.Shown(e, "website", Website), City = fields.Shown(e, "city", City), Address = fields.Shown(e, "address", Address),
            Employees = fields.Shown(e, "employees", Employees), CustomFields = fields.Visible(e, CustomFields),
        };
    }
}
