using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Audit;

/// <summary>
/// Writes the audit entries a unit of work added, chained, in the same transaction as the change they describe.
/// The change is saved first (so new records have their ids); then the chain row is locked — <c>SELECT … FOR UPDATE</c>
/// on PostgreSQL, the write lock every SQLite transaction takes at BEGIN IMMEDIATE — so entries from any number of
/// processes form one line; then the entries get their sequence and hashes and the head moves on. The unique
/// sequence makes a fork impossible even if the lock were bypassed.
/// </summary>
public static class AuditSeal
{
    public static bool HasPending(KithDb db) =>
        db.ChangeTracker.Entries<AuditEntry>().Any(e => e.State == EntityState.Added);

    public static async Task<int> SaveAsync(KithDb db, Func<Task<int>> save, CancellationToken ct)
    {
        var pending = db.ChangeTracker.Entries<AuditEntry>().Where(e => e.State == EntityState.Added)
            .Select(e => e.Entity).OrderBy(e => e.AddedOrder).ToList();
        foreach (var entry in pending) db.Entry(entry).State = EntityState.Detached;
        var own = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(ct) : null;
        try
        {
            var saved = await save();
            await AppendAsync(db, pending, save, ct);
            if (own is not null) await own.CommitAsync(ct);
            return saved;
        }
        finally
        {
            if (own is not null) await own.DisposeAsync();
        }
    }

    private static async Task AppendAsync(KithDb db, List<AuditEntry> entries, Func<Task<int>> save, CancellationToken ct)
    {
        foreach (var entry in entries.Where(e => e.PendingTarget is not null))
        {
            entry.TargetId = db.Entry(entry.PendingTarget!).Property("Id").CurrentValue?.ToString();
            entry.PendingTarget = null;
        }
        var missingEmails = entries.Where(e => e.ActorUserId is not null && e.ActorEmail is null).Select(e => e.ActorUserId!.Value).Distinct().ToList();
        if (missingEmails.Count > 0)
        {
            var emails = await db.Users.AsNoTracking().Where(u => missingEmails.Contains(u.Id)).ToDictionaryAsync(u => u.Id, u => u.Email, ct);
            foreach (var entry in entries.Where(e => e.ActorUserId is not null && e.ActorEmail is null))
                entry.ActorEmail = emails.GetValueOrDefault(entry.ActorUserId!.Value);
        }

        // What an entry says about a person is sealed with their key before it is hashed, so erasing them can shred it.
        await AuditSealedDetails.SealAsync(db, entries, ct);
        var head = await LockChainAsync(db, ct);
        var sequence = head.HeadSequence;
        var hash = head.HeadHash;
        foreach (var entry in entries)
        {
            entry.Sequence = ++sequence;
            entry.PreviousHash = hash;
            entry.Hash = hash = AuditHash.Of(hash, entry);
        }
        db.AuditEntries.AddRange(entries);
        await save();
        await db.Database.ExecuteSqlAsync(
            $"UPDATE audit_chains SET head_sequence = {sequence}, head_hash = {hash} WHERE id = {AuditChain.TheId}", ct);
    }

    /// <summary>Reads the chain row and holds it until the transaction ends. Untracked, so a long-lived context never sees a stale head.</summary>
    internal static async Task<AuditChain> LockChainAsync(KithDb db, CancellationToken ct)
    {
        var sql = db.Provider == DatabaseProvider.Postgres
            ? "SELECT * FROM audit_chains WHERE id = 1 FOR UPDATE"
            : "SELECT * FROM audit_chains WHERE id = 1";
        var rows = await db.AuditChains.FromSqlRaw(sql).AsNoTracking().ToListAsync(ct);
        return rows.Single();
    }
}
