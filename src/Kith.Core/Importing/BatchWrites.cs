using Kith.Core.Customers;
using Kith.Core.Duplicates;
using Kith.Core.History;
using Kith.Core.Infrastructure;

namespace Kith.Core.Importing;

/// <summary>
/// What one batch of a customer import writes besides its new records: the stored records it changed, their history,
/// the first state of each for reverting, the merges it made and the duplicates it flagged. Gathered during the
/// batch, then written in bulk by prepared statements (ADR-0034) or handed to EF to save.
/// </summary>
internal sealed class BatchWrites
{
    /// <summary>Stored records (not created by this batch) the batch changed, by id.</summary>
    public Dictionary<long, Customer> Updated { get; } = [];
    public List<RecordChange> History { get; } = [];
    public List<ImportChange> ImportChanges { get; } = [];
    public List<CustomerMerge> Merges { get; } = [];
    public List<DuplicatePair> Pairs { get; } = [];

    /// <summary>Adds the rows to the context, for its next save (the updated records are tracked already).</summary>
    public void Track(KithDb db)
    {
        db.RecordChanges.AddRange(History);
        db.ImportChanges.AddRange(ImportChanges);
        db.CustomerMerges.AddRange(Merges);
        db.DuplicatePairs.AddRange(Pairs);
    }

    /// <summary>
    /// Inserts the rows in the order they were made, with ids reserved as a save would give them, inside the batch's
    /// transaction. The caller writes the updated records itself (<see cref="BulkInsert{T}.UpdateSqlite"/>).
    /// </summary>
    public async Task InsertAsync(KithDb db, CancellationToken ct)
    {
        await InsertAsync(db, Merges, (m, id) => m.Id = id, ct);
        await InsertAsync(db, History, (h, id) => h.Id = id, ct);
        await InsertAsync(db, ImportChanges, (c, id) => c.Id = id, ct);
        await InsertAsync(db, Pairs, (p, id) => p.Id = id, ct);
    }

    private static async Task InsertAsync<T>(KithDb db, List<T> rows, Action<T, long> setId, CancellationToken ct) where T : class
    {
        if (rows.Count == 0) return;
        var bulk = new BulkInsert<T>(db);
        var ids = await bulk.ReserveIdsAsync(rows.Count, ct);
        foreach (var row in rows) setId(row, ids.Next());
        await bulk.InsertAsync(rows, ct);
    }
}
