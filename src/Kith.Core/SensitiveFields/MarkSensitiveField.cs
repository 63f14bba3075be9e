using Kith.Core.Audit;
using Kith.Core.CustomFields;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.SensitiveFields;

/// <summary>A sealable field and its marking, as the admin page and the API list them.</summary>
public sealed record SensitiveFieldItem(string Field, string Label, bool Sensitive, bool Converting);

/// <summary>
/// Marks a customer field sensitive or not. From the next save on its values are written sealed (or plain); the
/// values already stored follow with <see cref="ConvertSensitiveValues"/>, which the server runs in the background
/// (and <c>kith fields convert</c> runs with a progress bar). The first marking creates the key file.
/// </summary>
public sealed class MarkSensitiveField(KithDb db, TimeProvider clock)
{
    public async Task<IReadOnlyList<SensitiveFieldItem>> ListAsync(CancellationToken ct)
    {
        var rows = await db.SensitiveFields.AsNoTracking().Where(f => f.Entity == CustomFieldEntity.Customer).ToListAsync(ct);
        var definitions = await db.CustomFields.AsNoTracking()
            .Where(d => d.Entity == CustomFieldEntity.Customer && d.Type == CustomFieldType.Text).OrderBy(d => d.SortOrder).ToListAsync(ct);
        var fields = SealableFields.BuiltIn.Select(f => (Field: f, Label: f switch
            {
                SealableFields.Phone => "Phone",
                SealableFields.BirthDate => "Birth date",
                _ => "Address",
            }))
            .Concat(definitions.Select(d => (Field: "cf." + d.Key, d.Label)));
        return fields.Select(f =>
        {
            var row = rows.FirstOrDefault(r => r.Field == f.Field);
            return new SensitiveFieldItem(f.Field, f.Label, row?.Sensitive == true, row is { Converted: false });
        }).ToList();
    }

    public Task HandleAsync(string field, bool sensitive, AccessScope scope, CancellationToken ct) =>
        scope.IsAdmin ? SetAsync(field, sensitive, scope.UserId, ct) : throw new Forbidden("Only an administrator marks fields sensitive.");

    /// <summary>For <c>kith fields</c>, run on the server by an operator who holds the database and its keys anyway.</summary>
    public Task ByOperatorAsync(string field, bool sensitive, CancellationToken ct) => SetAsync(field, sensitive, null, ct);

    private async Task SetAsync(string field, bool sensitive, long? userId, CancellationToken ct)
    {
        field = field.Trim();
        var definitions = await db.CustomFields.AsNoTracking().Where(d => d.Entity == CustomFieldEntity.Customer).ToListAsync(ct);
        if (!SealableFields.CanSeal(field, definitions))
            throw RuleViolation.Field("field", $"'{field}' cannot be marked sensitive. Sensitive fields: phone, birthDate, address and custom text fields as cf.<key>.");
        var sealing = CustomerSealing.Of(db) ?? throw new InvalidOperationException("The database context has no field sealing.");
        if (sensitive) sealing.Cipher.Ring.EnsureCreated();
        var row = await db.SensitiveFields.FirstOrDefaultAsync(f => f.Entity == CustomFieldEntity.Customer && f.Field == field, ct);
        if (row is null && !sensitive) return;
        if (row is { } r && r.Sensitive == sensitive) return;
        row ??= db.SensitiveFields.Add(new SensitiveField { Entity = CustomFieldEntity.Customer, Field = field }).Entity;
        row.Sensitive = sensitive;
        row.Converted = false;
        row.ChangedAt = clock.GetUtcNow().UtcDateTime;
        row.ChangedByUserId = userId;
        db.Audit(AuditActions.SensitiveFieldChanged, "field", null, new { entity = "customer", field, sensitive });
        await db.SaveChangesAsync(ct);
    }
}
