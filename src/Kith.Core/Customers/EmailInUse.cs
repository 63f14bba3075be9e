using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Customers;

/// <summary>
/// One live customer per email within a caller's reach, the rule an import already follows when it matches rows by
/// email (ADR-0018). Checked inside the create's transaction, serialised per email so that parallel creates cannot
/// both pass: SQLite's transactions hold the one write lock from their start (BEGIN IMMEDIATE), and on PostgreSQL a
/// transaction-scoped advisory lock on the email's hash makes the second create wait for the first to commit.
/// </summary>
public static class EmailInUse
{
    /// <summary>The advisory-lock namespace of customer emails (the two-key form, apart from the job locks' one-key form).</summary>
    private const int LockSpace = 0x4B495448;

    /// <summary>Throws a 409 naming the existing customer; call inside the transaction that inserts the new one.</summary>
    public static async Task EnsureFreeAsync(KithDb db, AccessScope scope, string? email, CancellationToken ct)
    {
        if (email is null) return;
        if (db.Database.IsNpgsql())
            await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({LockSpace}, hashtext({email}))", ct);
        var existing = await scope.Visible(db.Customers).Where(c => c.Email == email).OrderBy(c => c.Id).Select(c => (long?)c.Id).FirstOrDefaultAsync(ct);
        if (existing is { } id) throw new EmailTaken(id);
    }
}

/// <summary>The email belongs to a live customer the caller can reach: 409 with that customer's id and address.</summary>
public sealed class EmailTaken(long existingId) : RuleViolation(
    $"A customer with this email already exists (id {existingId}, /api/v1/customers/{existingId}); change that customer instead of creating another.",
    new Dictionary<string, string[]> { ["email"] = [$"This email belongs to customer {existingId}."] }, 409)
{
    public long ExistingId { get; } = existingId;
}
