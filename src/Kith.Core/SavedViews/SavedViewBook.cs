using System.ComponentModel.DataAnnotations;
using Kith.Core.Customers;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.SavedViews;

/// <summary>What a user sends to save a view. Saving under an existing name replaces that view.</summary>
public sealed class SavedViewInput
{
    /// <summary>"customer" or "company".</summary>
    [Required, MaxLength(20)] public string Entity { get; set; } = "customer";
    [Required(AllowEmptyStrings = false), MaxLength(100)] public string Name { get; set; } = "";
    [MaxLength(200)] public string? Query { get; set; }
    [MaxLength(2000)] public string? Filter { get; set; }
    [MaxLength(100)] public string? Sort { get; set; }
    /// <summary>Column names in display order.</summary>
    [MaxLength(50)] public List<string> Columns { get; set; } = [];
}

public sealed record SavedViewDetail(long Id, string Entity, string Name, string? Query, string? Filter, string? Sort, IReadOnlyList<string> Columns, DateTime CreatedAt);

/// <summary>
/// Each user's saved views: list, save and delete. A view belongs to one user and nobody else sees it; another
/// user's view id answers 404. The filter and sort are checked when a view is used, not when saved, because
/// a custom field they name may be removed later.
/// </summary>
public sealed class SavedViewBook(KithDb db, TimeProvider clock)
{
    public static readonly IReadOnlySet<string> Entities = new HashSet<string> { "customer", "company" };

    public async Task<IReadOnlyList<SavedViewDetail>> ListAsync(AccessScope scope, string? entity, CancellationToken ct)
    {
        var query = db.SavedViews.AsNoTracking().Where(v => v.UserId == scope.UserId);
        if (entity is not null) query = query.Where(v => v.Entity == entity);
        var rows = await query.OrderBy(v => v.Entity).ThenBy(v => v.Name).ToListAsync(ct);
        return rows.Select(Detail).ToList();
    }

    public async Task<SavedViewDetail> SaveAsync(SavedViewInput input, AccessScope scope, CancellationToken ct)
    {
        ContactRules.Validate(input);
        var entity = input.Entity.Trim().ToLowerInvariant();
        if (!Entities.Contains(entity)) throw RuleViolation.Field("entity", "A view is of 'customer' or 'company' records.");
        var name = input.Name.Trim();
        if (name.Length == 0) throw RuleViolation.Field("name", "A view needs a name.");
        var columns = input.Columns.Select(c => (c ?? "").Trim()).Where(c => c.Length > 0).ToList();
        if (columns.Any(c => c.Length > 60 || c.Any(ch => !(char.IsAsciiLetterOrDigit(ch) || ch is '.' or '_'))))
            throw RuleViolation.Field("columns", "Column names are field names such as name, city or cf.tier.");
        var view = await db.SavedViews.FirstOrDefaultAsync(v => v.UserId == scope.UserId && v.Entity == entity && v.Name == name, ct);
        if (view is null)
        {
            view = new SavedView { UserId = scope.UserId, Entity = entity, Name = name, CreatedAt = clock.GetUtcNow().UtcDateTime };
            db.SavedViews.Add(view);
        }
        view.Query = ContactRules.Clean(input.Query);
        view.Filter = ContactRules.Clean(input.Filter);
        view.Sort = ContactRules.Clean(input.Sort);
        view.Columns = columns.Count == 0 ? null : string.Join(",", columns);
        await db.SaveChangesAsync(ct);
        return Detail(view);
    }

    public async Task DeleteAsync(long id, AccessScope scope, CancellationToken ct)
    {
        var view = await db.SavedViews.FirstOrDefaultAsync(v => v.Id == id && v.UserId == scope.UserId, ct) ?? throw new NotFound("Saved view");
        db.SavedViews.Remove(view);
        await db.SaveChangesAsync(ct);
    }

    private static SavedViewDetail Detail(SavedView v) =>
        new(v.Id, v.Entity, v.Name, v.Query, v.Filter, v.Sort, v.Columns?.Split(',') ?? [], v.CreatedAt);
}
