using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Privacy;

/// <summary>Finds the person behind a customer id, within the caller's reach.</summary>
internal static class PersonalDataSubjects
{
    /// <param name="includeDeleted">Erasure reaches customers in the bin too; export only live ones.</param>
    public static async Task<PersonalDataSubject> LoadAsync(KithDb db, AccessScope scope, long customerId, bool includeDeleted, CancellationToken ct)
    {
        var root = await db.Customers.AsNoTracking().Where(c => c.Id == customerId && c.MergedIntoId == null)
            .Select(c => new { c.Id, c.OwnerId, c.DeletedAt }).FirstOrDefaultAsync(ct);
        if (root is null || !scope.CanReachOwner(root.OwnerId) || (root.DeletedAt is not null && !includeDeleted)) throw new NotFound("Customer");
        // The hidden records merged into this customer are the same person under an older id, and hold their old values.
        var ids = new List<long> { root.Id };
        var frontier = new List<long> { root.Id };
        while (frontier.Count > 0)
        {
            var next = frontier.ToArray();
            frontier = await db.Customers.AsNoTracking().Where(c => c.MergedIntoId != null && next.Contains(c.MergedIntoId.Value) && !ids.Contains(c.Id))
                .Select(c => c.Id).ToListAsync(ct);
            ids.AddRange(frontier);
        }
        var rows = await db.Customers.AsNoTracking().Where(c => ids.Contains(c.Id))
            .Select(c => new { c.Id, c.Email, RawPhone = c.Phone, c.ExternalId, c.Name }).ToListAsync(ct);
        var phones = rows.Select(r => SensitiveFields.SealedReads.OpenSealed(db, r.RawPhone, SensitiveFields.SealableFields.Phone, r.Id));
        return new PersonalDataSubject(root.Id, ids,
            rows.Select(r => r.Email).OfType<string>().Distinct().ToList(),
            phones.OfType<string>().Distinct().ToList(),
            rows.Select(r => r.ExternalId).OfType<string>().Distinct().ToList(),
            rows.Select(r => r.Name).Where(n => n.Length > 0).Distinct().ToList());
    }
}
