using System.Text.Json;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Importing;

/// <summary>Saved column mappings, shared by everyone who imports; a name is unique per kind of file.</summary>
public sealed class ImportTemplates(KithDb db, TimeProvider clock)
{
    public async Task<IReadOnlyList<ImportTemplate>> ListAsync(ImportKind? kind, CancellationToken ct) =>
        await db.ImportTemplates.AsNoTracking().Where(t => kind == null || t.Kind == kind).OrderBy(t => t.Kind).ThenBy(t => t.Name).ToListAsync(ct);

    /// <summary>Saves (or replaces) a mapping: column name to field key, "-" to ignore a column.</summary>
    public async Task<ImportTemplate> SaveAsync(ImportKind kind, string name, IReadOnlyDictionary<string, string> mapping, AccessScope scope, CancellationToken ct)
    {
        scope.EnsureCanCreate();
        name = (name ?? "").Trim();
        if (name.Length is 0 or > 100) throw RuleViolation.Field("name", "A mapping needs a name of 1 to 100 characters.");
        if (mapping.Count is 0 or > 1000) throw RuleViolation.Field("mapping", "A mapping names between 1 and 1,000 columns.");
        var template = await db.ImportTemplates.FirstOrDefaultAsync(t => t.Kind == kind && t.Name == name, ct);
        if (template is null)
        {
            template = new ImportTemplate { Kind = kind, Name = name, CreatedByUserId = scope.UserId, CreatedAt = clock.GetUtcNow().UtcDateTime };
            db.ImportTemplates.Add(template);
        }
        template.Mapping = JsonSerializer.Serialize(mapping);
        await db.SaveChangesAsync(ct);
        return template;
    }

    public async Task DeleteAsync(long id, AccessScope scope, CancellationToken ct)
    {
        scope.EnsureCanDelete();
        var deleted = await db.ImportTemplates.Where(t => t.Id == id).ExecuteDeleteAsync(ct);
        if (deleted == 0) throw new NotFound("Mapping");
    }
}
