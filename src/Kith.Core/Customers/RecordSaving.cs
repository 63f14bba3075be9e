using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Customers;

/// <summary>Saving a versioned record: a lost race on the version is a 412, a lost race on a unique key a 409.</summary>
public static class RecordSaving
{
    public static async Task SaveAsync(KithDb db, string what, CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            db.ChangeTracker.Clear();
            throw new VersionConflict(what);
        }
        catch (DbUpdateException e) when (IsUniqueViolation(e))
        {
            db.ChangeTracker.Clear();
            throw new RuleViolation($"{what} clashes with another record on a unique value (such as its external id).",
                new Dictionary<string, string[]> { ["externalId"] = ["This external id belongs to another record."] }, 409);
        }
    }

    /// <summary>Checks the caller's If-Match version, when one was sent.</summary>
    public static void EnsureVersion(int current, int? expected, string what)
    {
        if (expected is { } v && v != current) throw new VersionConflict(what);
    }

    /// <summary>Whether a save failed on a unique index (SQLite or PostgreSQL): another request stored the same key first.</summary>
    public static bool IsUniqueViolation(DbUpdateException e) =>
        e.InnerException?.Message is { } m && (m.Contains("UNIQUE constraint failed", StringComparison.Ordinal) || m.Contains("23505", StringComparison.Ordinal) || m.Contains("duplicate key", StringComparison.Ordinal));
}
