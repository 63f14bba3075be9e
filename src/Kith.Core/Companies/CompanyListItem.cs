using System.Text.Json;
using Kith.Core.Identity;

namespace Kith.Core.Companies;

/// <summary>One row of the company list (and of the bin, where <see cref="DeletedAt"/> is set).</summary>
public sealed record CompanyListItem
{
    public required long Id { get; init; }
    public string? ExternalId { get; init; }
    public required string Name { get; init; }
    public string? Domain { get; init; }
    public string? Industry { get; init; }
    public string? Phone { get; init; }
    public bool PhoneIsValid { get; init; }
    public string? Email { get; init; }
    public string? City { get; init; }
    public int? Employees { get; init; }
    public IReadOnlyList<string> Tags { get; init; } = [];
    public long OwnerId { get; init; }
    public string? OwnerName { get; init; }
    public IReadOnlyDictionary<string, JsonElement> CustomFields { get; init; } = new Dictionary<string, JsonElement>();
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; init; }
    public int Version { get; init; }
    public DateTime? DeletedAt { get; init; }

    /// <summary>This row as <paramref name="fields"/> lets its reader see it: hidden fields blank, hidden custom fields gone.</summary>
    public CompanyListItem For(FieldAccess fields)
    {
        if (fields.IsOpen) return this;
        const Kith.Core.CustomFields.CustomFieldEntity e = Kith.Core.CustomFields.CustomFieldEntity.Company;
        return this with
        {
            ExternalId = fields.Shown(e, "externalId", ExternalId), Domain = fields.Shown(e, "domain", Domain),
            Industry = fields.Shown(e, "industry", Industry), Phone = fields.Shown(e, "phone", Phone),
            PhoneIsValid = fields.Shown(e, "phoneIsValid", PhoneIsValid), Email = fields.Shown(e, "email", Email),
            City = fields.Shown(e, "city", City), Employees = fields.Shown(e, "employees", Employees),
            CustomFields = fields.Visible(e, CustomFields),
        };
    }
}
