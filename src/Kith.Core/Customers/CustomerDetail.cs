using System.Text.Json;
using Kith.Core.History;
using Kith.Core.Identity;

namespace Kith.Core.Customers;

/// <summary>Every field of one customer, as the detail page and `GET /api/v1/customers/{id}` show it.</summary>
public sealed record CustomerDetail
{
    public required long Id { get; init; }
    public string? ExternalId { get; init; }
    public required string Name { get; init; }
    public string? Email { get; init; }
    public string? Phone { get; init; }
    /// <summary>False when the phone could not be read as a number of the default region and is kept as typed.</summary>
    public bool PhoneIsValid { get; init; }
    public DateOnly? BirthDate { get; init; }
    public int? Age { get; init; }
    public Gender? Gender { get; init; }
    public string? City { get; init; }
    public string? Address { get; init; }
    public long? CompanyId { get; init; }
    public string? CompanyName { get; init; }
    public IReadOnlyList<string> Tags { get; init; } = [];
    public required long OwnerId { get; init; }
    public string? OwnerName { get; init; }
    public LifecycleStage Stage { get; init; }
    public string? Source { get; init; }
    public DateOnly? SignupDate { get; init; }
    public IReadOnlyDictionary<string, JsonElement> CustomFields { get; init; } = new Dictionary<string, JsonElement>();
    public required int Version { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; init; }
    public required ActorRef CreatedBy { get; init; }
    public required ActorRef UpdatedBy { get; init; }
    /// <summary>Set only in the bin (<see cref="CustomerQueries.DeletedAsync"/>); live records have none.</summary>
    public DateTime? DeletedAt { get; init; }
    /// <summary>The behaviour summary, on `GET /api/v1/customers/{id}` (null elsewhere, where it is not read).</summary>
    public Kith.Core.Behavior.BehaviorSummary? Behavior { get; init; }

    /// <summary>The quoted version, for the ETag header and If-Match.</summary>
    public string ETag => $"\"{Version}\"";

    /// <summary>The form model for editing this customer.</summary>
    public CustomerInput ToInput() => new()
    {
        Name = Name, Email = Email, Phone = Phone, BirthDate = BirthDate, Age = BirthDate is null ? Age : null,
        Gender = Gender, City = City, Address = Address, CompanyId = CompanyId, Tags = [.. Tags], OwnerId = OwnerId,
        Stage = Stage, Source = Source, SignupDate = SignupDate, ExternalId = ExternalId,
        CustomFields = new Dictionary<string, JsonElement>(CustomFields),
    };

    /// <summary>This customer as <paramref name="fields"/> lets its reader see it: hidden fields blank, hidden custom fields gone.</summary>
    public CustomerDetail For(FieldAccess fields)
    {
        if (fields.IsOpen) return this;
        const Kith.Core.CustomFields.CustomFieldEntity e = Kith.Core.CustomFields.CustomFieldEntity.Customer;
        return this with
        {
            ExternalId = fields.Shown(e, "externalId", ExternalId), Email = fields.Shown(e, "email", Email),
            Phone = fields.Shown(e, "phone", Phone), PhoneIsValid = fields.Shown(e, "phoneIsValid", PhoneIsValid),
            BirthDate = fields.Shown(e, "birthDate", BirthDate), Age = fields.Shown(e, "age", Age), Gender = fields.Shown(e, "gender", Gender),
            City = fields.Shown(e, "city", City), Address = fields.Shown(e, "address", Address), Source = fields.Shown(e, "source", Source),
            SignupDate = fields.Shown(e, "signupDate", SignupDate), Behavior = fields.Shown(e, "behavior", Behavior),
            CustomFields = fields.Visible(e, CustomFields),
        };
    }
}
