using System.ComponentModel.DataAnnotations;
using System.Text.Json;

namespace Kith.Core.Customers;

/// <summary>
/// The fields of a customer a person or an integration may set: the Blazor form model, the API body for POST
/// (and the shape a PATCH is merged into) and what an import row becomes, so every rule is written once.
/// Normalisation (email case, phone to E.164, tags, custom field types) happens in the handlers.
/// </summary>
public sealed class CustomerInput
{
    [Required(AllowEmptyStrings = false), MaxLength(200)] public string Name { get; set; } = "";
    [MaxLength(254)] public string? Email { get; set; }
    [MaxLength(40)] public string? Phone { get; set; }
    public DateOnly? BirthDate { get; set; }
    /// <summary>Ignored when <see cref="BirthDate"/> is given: the age is then derived from it.</summary>
    [Range(0, 150)] public int? Age { get; set; }
    public Gender? Gender { get; set; }
    [MaxLength(100)] public string? City { get; set; }
    [MaxLength(500)] public string? Address { get; set; }
    public long? CompanyId { get; set; }
    /// <summary>Tag names; a new name creates the tag, names match ignoring case.</summary>
    [MaxLength(50)] public List<string> Tags { get; set; } = [];
    /// <summary>Null keeps the current owner (on create: the caller). Only roles with CanAssign may name another.</summary>
    public long? OwnerId { get; set; }
    public LifecycleStage Stage { get; set; } = LifecycleStage.Lead;
    [MaxLength(100)] public string? Source { get; set; }
    public DateOnly? SignupDate { get; set; }
    [MaxLength(100)] public string? ExternalId { get; set; }
    /// <summary>Values of the customer custom fields by key; checked against their definitions.</summary>
    public Dictionary<string, JsonElement> CustomFields { get; set; } = [];
}
