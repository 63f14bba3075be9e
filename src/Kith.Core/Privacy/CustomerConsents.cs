using System.ComponentModel.DataAnnotations;
using Kith.Core.Customers;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Privacy;

/// <summary>A consent given or withdrawn: the API body and the customer page's form.</summary>
public sealed class ConsentInput
{
    [Required, MaxLength(50)] public string Purpose { get; set; } = "";
    public ConsentStatus Status { get; set; } = ConsentStatus.Granted;
    public LegalBasis LegalBasis { get; set; } = LegalBasis.Consent;
    /// <summary>Where it came from; the API's default is api, the page's ui.</summary>
    public ConsentSource? Source { get; set; }
    /// <summary>When the person decided; now when not given.</summary>
    public DateTimeOffset? At { get; set; }
    [MaxLength(500)] public string? Note { get; set; }
}

public sealed record ConsentView(long Id, string Purpose, ConsentStatus Status, LegalBasis LegalBasis, ConsentSource Source,
    DateTime At, DateTime RecordedAt, ActorKind RecordedByKind, long? RecordedByUserId, string? RecordedByName, string? Note);

/// <summary>The current decision per purpose (newest first per purpose) and every decision ever recorded, newest first.</summary>
public sealed record CustomerConsentsView(IReadOnlyList<ConsentView> Current, IReadOnlyList<ConsentView> History);

/// <summary>Reads and records a customer's consents. Out of reach is 404, like the customer.</summary>
public sealed class CustomerConsents(KithDb db, PrivacySettings settings, TimeProvider clock)
{
    public async Task<CustomerConsentsView> GetAsync(AccessScope scope, long customerId, CancellationToken ct)
    {
        await EnsureVisibleAsync(scope, customerId, ct);
        var history = await (from c in db.Set<Consent>().AsNoTracking()
                             where c.CustomerId == customerId
                             join u in db.Users on c.RecordedByUserId equals u.Id into users
                             from u in users.DefaultIfEmpty()
                             orderby c.At descending, c.Id descending
                             select new ConsentView(c.Id, c.Purpose, c.Status, c.LegalBasis, c.Source, c.At, c.RecordedAt, c.RecordedByKind,
                                 c.RecordedByUserId, u == null ? null : u.DisplayName, c.Note)).ToListAsync(ct);
        var current = history.GroupBy(c => c.Purpose).Select(g => g.First()).OrderBy(c => c.Purpose, StringComparer.Ordinal).ToList();
        return new CustomerConsentsView(current, history);
    }

    public async Task<ConsentView> RecordAsync(AccessScope scope, long customerId, ConsentInput input, ConsentSource defaultSource, ActorKind via, CancellationToken ct)
    {
        scope.EnsureCanEdit();
        await EnsureVisibleAsync(scope, customerId, ct);
        ContactRules.Validate(input);
        var purpose = input.Purpose.Trim().ToLowerInvariant();
        var purposes = await ConsentPurposes.AllAsync(settings, ct);
        if (purposes.All(p => p.Key != purpose))
            throw RuleViolation.Field("purpose", $"'{input.Purpose}' is not a consent purpose; use one of {string.Join(", ", purposes.Select(p => p.Key))}.");
        var now = clock.GetUtcNow().UtcDateTime;
        var at = input.At?.UtcDateTime ?? now;
        if (at > now.AddMinutes(5)) throw RuleViolation.Field("at", "A consent cannot be given in the future.");
        var row = new Consent
        {
            CustomerId = customerId, Purpose = purpose, Status = input.Status, LegalBasis = input.LegalBasis, Source = input.Source ?? defaultSource,
            At = at, RecordedAt = now, RecordedByKind = via, RecordedByUserId = scope.UserId, Note = ContactRules.Clean(input.Note),
        };
        db.Set<Consent>().Add(row);
        await db.SaveChangesAsync(ct);
        var name = await db.Users.Where(u => u.Id == scope.UserId).Select(u => u.DisplayName).FirstOrDefaultAsync(ct);
        return new ConsentView(row.Id, row.Purpose, row.Status, row.LegalBasis, row.Source, row.At, row.RecordedAt, row.RecordedByKind, row.RecordedByUserId, name, row.Note);
    }

    /// <summary>Whether the live customers with this email last withdrew consent for the purpose (the tracker's check).</summary>
    public static async Task<bool> WithdrawnByEmailAsync(KithDb db, string email, string purpose, CancellationToken ct)
    {
        var latest = await db.Set<Consent>().AsNoTracking()
            .Where(c => c.Purpose == purpose && db.Customers.Any(cu => cu.Id == c.CustomerId && cu.Email == email && cu.DeletedAt == null))
            .OrderByDescending(c => c.At).ThenByDescending(c => c.Id).Select(c => (ConsentStatus?)c.Status).FirstOrDefaultAsync(ct);
        return latest == ConsentStatus.Withdrawn;
    }

    private async Task EnsureVisibleAsync(AccessScope scope, long customerId, CancellationToken ct)
    {
        if (!await scope.Visible(db.Customers.AsNoTracking()).AnyAsync(c => c.Id == customerId, ct)) throw new NotFound("Customer");
    }
}
