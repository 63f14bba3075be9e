using System.ComponentModel.DataAnnotations;
using System.Text.Json;

namespace Kith.Core.Companies;

/// <summary>The fields of a company a person or an integration may set; the form model and the API body.</summary>
public sealed class CompanyInput
{
    [Required(AllowEmptyStrings = false), MaxLength(200)] public string Name { get; set; } = "";
    /// <summary>A web domain such as example.com; a URL is cut down to its host. Stored lower-cased.</summary>
    [MaxLength(253)] public string? Domain { get; set; }
    [MaxLength(100)] public string? Industry { get; set; }
    [MaxLength(40)] public string? Phone { get; set; }
    [MaxLength(254)] public string? Email { get; set; }
    [MaxLength(500)] public string? Website { get; set; }
    [MaxLength(100)] public string? City { get; set; }
    [MaxLength(500)] public string? Address { get; set; }
    [Range(0, 10_000_000)] public int? Employees { get; set; }
    [MaxLength(50)] public List<string> Tags { get; set; } = [];
    /// <summary>Null keeps the current owner (on create: the caller). Only roles with CanAssign may name another.</summary>
    public long? OwnerId { get; set; }
    [MaxLength(100)] public string? ExternalId { get; set; }
    public Dictionary<string, JsonElement> CustomFields { get; set; } = [];
}
