using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Core.Tags;

namespace Kith.Core.Companies;

/// <summary>An organisation customers belong to.</summary>
public sealed class Company : IOwnedRecord
{
    public long Id { get; set; }
    public string? ExternalId { get; set; }
    public string Name { get; set; } = "";
    /// <summary>Lower-cased web domain, e.g. example.com.</summary>
    public string? Domain { get; set; }
    public string? Industry { get; set; }
    public string? Phone { get; set; }
    public bool PhoneIsValid { get; set; } = true;
    public string? Email { get; set; }
    public string? Website { get; set; }
    public string? City { get; set; }
    public string? Address { get; set; }
    public int? Employees { get; set; }
    public long OwnerId { get; set; }
    public User? Owner { get; set; }
    public string CustomFields { get; set; } = "{}";
    public List<Tag> Tags { get; set; } = [];

    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    public ActorKind CreatedByKind { get; set; }
    public long? CreatedByUserId { get; set; }
    public ActorKind UpdatedByKind { get; set; }
    public long? UpdatedByUserId { get; set; }
    public int Version { get; set; }
    public DateTime? DeletedAt { get; set; }
    /// <summary>The import that created this company, so reverting the import removes it.</summary>
    public long? ImportJobId { get; set; }
    public string SearchText { get; set; } = "";
    public string SearchGrams { get; set; } = "";
}
