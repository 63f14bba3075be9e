using Microsoft.EntityFrameworkCore;
using Kith.Core.Infrastructure;

namespace Kith.Core.Behavior;

/// <summary>Where one event goes: onto a customer, into pending_events, or back to the sender with a reason.</summary>
internal readonly record struct Resolution(long? CustomerId, bool Park, string? Field, string? Message);

/// <summary>
/// Finds the customers a batch of events names, a few queries per batch: by Kith's id, by external id (a merged
/// record's id resolves to the customer it was merged into), or by email (the oldest live customer with it).
/// </summary>
internal static class CustomerResolver
{
    private sealed record Row(long Id, string? ExternalId, string? Email, long OwnerId, bool Deleted, long? MergedIntoId);

    public static async Task<Func<IncomingEvent, Resolution>> ResolveAsync(KithDb db, IReadOnlyList<IncomingEvent> events, IReadOnlySet<long>? owners, CancellationToken ct)
    {
        var ids = events.Select(e => e.CustomerId).OfType<long>().Distinct().ToList();
        var exts = events.Where(e => e.ReferenceKind == EventReference.ExternalId).Select(e => e.ReferenceValue!).Distinct().ToList();
        var emails = events.Where(e => e.ReferenceKind == EventReference.Email).Select(e => e.ReferenceValue!).Distinct().ToList();

        var rows = new Dictionary<long, Row>();
        foreach (var chunk in ids.Chunk(1000)) Add(await Load(db.Customers.Where(c => chunk.Contains(c.Id)), ct));
        foreach (var chunk in exts.Chunk(1000)) Add(await Load(db.Customers.Where(c => chunk.Contains(c.ExternalId!)), ct));
        foreach (var chunk in emails.Chunk(1000)) Add(await Load(db.Customers.Where(c => chunk.Contains(c.Email!) && c.DeletedAt == null), ct));
        var survivors = rows.Values.Where(r => r.MergedIntoId is { } s && !rows.ContainsKey(s)).Select(r => r.MergedIntoId!.Value).Distinct().ToList();
        foreach (var chunk in survivors.Chunk(1000)) Add(await Load(db.Customers.Where(c => chunk.Contains(c.Id)), ct));

        bool Reachable(Row r) => !r.Deleted && (owners is null || owners.Contains(r.OwnerId));
        // A merged record stands for the customer it was merged into.
        Row? Live(Row r) => r.MergedIntoId is { } s ? rows.GetValueOrDefault(s) : r;

        var byId = rows.Values.ToDictionary(r => r.Id);
        var byExternal = rows.Values.Where(r => r.ExternalId is not null).GroupBy(r => r.ExternalId!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var byEmail = rows.Values.Where(r => r.Email is not null && !r.Deleted).OrderBy(r => r.Id).GroupBy(r => r.Email!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);

        return e =>
        {
            if (e.CustomerId is { } id)
                return byId.TryGetValue(id, out var r) && Live(r) is { } live && Reachable(live)
                    ? new Resolution(live.Id, false, null, null)
                    : new Resolution(null, false, "customerId", $"Customer not found: there is no customer {id} you can reach.");
            if (e.ReferenceKind == EventReference.ExternalId)
            {
                if (!byExternal.TryGetValue(e.ReferenceValue!, out var r)) return new Resolution(null, true, null, null);
                return Live(r) is { } live && Reachable(live)
                    ? new Resolution(live.Id, false, null, null)
                    : new Resolution(null, false, "customerExternalId", $"Customer not found: there is no customer with the external id '{e.ReferenceValue}' you can reach.");
            }
            if (e.ReferenceKind == EventReference.Email)
            {
                if (!byEmail.TryGetValue(e.ReferenceValue!, out var holders)) return new Resolution(null, true, null, null);
                return holders.FirstOrDefault(Reachable) is { } live
                    ? new Resolution(live.Id, false, null, null)
                    : new Resolution(null, false, "email", $"Customer not found: there is no customer with the email '{e.ReferenceValue}' you can reach.");
            }
            // An anonymous visitor of the tracking snippet waits until it is identified.
            return new Resolution(null, true, null, null);
        };

        void Add(List<Row> found)
        {
            foreach (var r in found) rows[r.Id] = r;
        }
    }

    private static Task<List<Row>> Load(IQueryable<Customers.Customer> query, CancellationToken ct) =>
        query.AsNoTracking().Select(c => new Row(c.Id, c.ExternalId, c.Email, c.OwnerId, c.DeletedAt != null, c.MergedIntoId)).ToListAsync(ct);
}
