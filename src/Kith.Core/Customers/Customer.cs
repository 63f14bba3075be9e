using Kith.Core.Companies;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Core.Tags;

namespace Kith.Core.Customers;

public enum LifecycleStage { Lead, Prospect, Customer, Churned }

public enum Gender { Female, Male, Other }

/// <summary>A person the business deals with.</summary>
public sealed class Customer : IOwnedRecord
{
    public long Id { get; set; }
    /// <summary>The customer's id in the business's other systems; unique when present.</summary>
    public string? ExternalId { get; set; }
    public string Name { get; set; } = "";
    /// <summary>Trimmed and lower-cased.</summary>
    public string? Email { get; set; }
    /// <summary>E.164 when it could be parsed with the default region, otherwise as typed (and <see cref="PhoneIsValid"/> false).</summary>
    public string? Phone { get; set; }
    public bool PhoneIsValid { get; set; } = true;
    public DateOnly? BirthDate { get; set; }
    /// <summary>Stated age when no birth date is known; derived from the birth date when one is.</summary>
    public int? Age { get; set; }
    public Gender? Gender { get; set; }
    public string? City { get; set; }
    public string? Address { get; set; }
    public long? CompanyId { get; set; }
    public Company? Company { get; set; }
    public long OwnerId { get; set; }
    public User? Owner { get; set; }
    public LifecycleStage Stage { get; set; } = LifecycleStage.Lead;
    public string? Source { get; set; }
    /// <summary>When they became a customer in the business's other systems.</summary>
    public DateOnly? SignupDate { get; set; }
    /// <summary>Values of admin-defined custom fields, a JSON object keyed by field key.</summary>
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
    /// <summary>Set when this record was merged into another: it stays hidden so its external id still resolves.</summary>
    public long? MergedIntoId { get; set; }
    /// <summary>The import that created this customer, so reverting the import removes it.</summary>
    public long? ImportJobId { get; set; }
    public string SearchText { get; set; } = "";
    // Sensitive fields (SensitiveFields/, ADR-0017): lookups for equality filters, and a sealed birth date, which a date column cannot hold.
    public string? PhoneLookup { get; set; }
    public string? AddressLookup { get; set; }
    public string? BirthDateLookup { get; set; }
    public string? BirthDateSealed { get; set; }
    /// <summary>Lookups of sealed custom text fields, a JSON object keyed by field key; null when there are none.</summary>
    public string? CustomFieldLookups { get; set; }
    public string SearchGrams { get; set; } = "";
}
