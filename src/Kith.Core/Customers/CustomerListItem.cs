using System.Text.Json;
using Kith.Core.Identity;

namespace Kith.Core.Customers;

/// <summary>One row of the customer list (and of the bin, where <see cref="DeletedAt"/> is set).</summary>
public sealed record CustomerListItem
{
    public required long Id { get; init; }
    public string? ExternalId { get; init; }
    public required string Name { get; init; }
    public string? Email { get; init; }
    public string? Phone { get; init; }
    public bool PhoneIsValid { get; init; }
    public int? Age { get; init; }
    public Gender? Gender { get; init; }
    public string? City { get; init; }
    public long? CompanyId { get; init; }
    public string? CompanyName { get; init; }
    public IReadOnlyList<string> Tags { get; init; } = [];
    public long OwnerId { get; init; }
    public string? OwnerName { get; init; }
    public LifecycleStage Stage { get; init; }
    public string? Source { get; init; }
    public DateOnly? SignupDate { get; init; }
    public IReadOnlyDictionary<string, JsonElement> CustomFields { get; init; } = new Dictionary<string, JsonElement>();
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; init; }
    public int Version { get; init; }
    public DateTime? DeletedAt { get; init; }
    /// <summary>The behaviour summary columns, when the rollup has counted the customer.</summary>
    public Kith.Core.Behavior.BehaviorColumns? Behavior { get; init; }
    /// <summary>The latest predictions (churn risk, expected value), when the customer has been scored.</summary>
    public Kith.Core.Predictions.ScoreColumns? Scores { get; init; }

    /// <summary>This row as <paramref name="fields"/> lets its reader see it: hidden fields blank, hidden custom fields gone.</summary>
    public CustomerListItem For(FieldAccess fields)
    {
        if (fields.IsOpen) return this;
        const Kith.Core.CustomFields.CustomFieldEntity e = Kith.Core.CustomFields.CustomFieldEntity.Customer;
        return this with
        {
            ExternalId = fields.Shown(e, "externalId", ExternalId), Email = fields.Shown(e, "email", Email),
            Phone = fields.Shown(e, "phone", Phone), PhoneIsValid = fields.Shown(e, "phoneIsValid", PhoneIsValid),
            Age = fields.Shown(e, "age", Age), Gender = fields.Shown(e, "gender", Gender), City = fields.Shown(e, "city", City),
            Source = fields.Shown(e, "source", Source), SignupDate = fields.Shown(e, "signupDate", SignupDate),
            Behavior = fields.Shown(e, "behavior", Behavior), Scores = fields.Shown(e, "scores", Scores), CustomFields = fields.Visible(e, CustomFields),
        };
    }
}
