using System.Text.Json;

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
}
