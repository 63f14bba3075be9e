namespace Kith.Core.Infrastructure;

/// <summary>A record with an owner, soft delete and search text: customers and companies. Access rules work on this shape.</summary>
public interface IOwnedRecord : IAuditedRecord
{
    long OwnerId { get; set; }
    DateTime? DeletedAt { get; set; }
    /// <summary>Lower-cased text that search verifies a match against (name, email, phone digits, company).</summary>
    string SearchText { get; set; }
    /// <summary>Space-separated n-gram tokens of <see cref="SearchText"/>, indexed by FTS5 on SQLite and GIN on PostgreSQL.</summary>
    string SearchGrams { get; set; }
}
