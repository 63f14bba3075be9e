using Kith.Core.Audit;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;
using PhoneNumbers;

namespace Kith.Core.Settings;

/// <summary>The workspace-wide settings an admin changes: for now the default phone region.</summary>
public sealed record WorkspaceSettingsModel(string DefaultPhoneRegion);

/// <summary>Reads and (for admins) changes the workspace settings.</summary>
public sealed class WorkspaceSettings(KithDb db)
{
    public const string DefaultPhoneRegionKey = "phone.defaultRegion";
    /// <summary>Kith's first users are in mainland China, so a number typed without a country code is read as Chinese.</summary>
    public const string FallbackPhoneRegion = "CN";

    public async Task<WorkspaceSettingsModel> GetAsync(CancellationToken ct = default) =>
        new(await DefaultPhoneRegionAsync(ct));

    public async Task<string> DefaultPhoneRegionAsync(CancellationToken ct = default)
    {
        var value = await db.Settings.AsNoTracking().Where(s => s.Key == DefaultPhoneRegionKey).Select(s => s.Value).FirstOrDefaultAsync(ct);
        return string.IsNullOrEmpty(value) ? FallbackPhoneRegion : value;
    }

    public async Task<WorkspaceSettingsModel> UpdateAsync(WorkspaceSettingsModel settings, AccessScope scope, CancellationToken ct = default)
    {
        if (!scope.IsAdmin) throw new Forbidden("Only an administrator may change the workspace settings.");
        var region = (settings.DefaultPhoneRegion ?? "").Trim().ToUpperInvariant();
        if (!PhoneNumberUtil.GetInstance().GetSupportedRegions().Contains(region))
            throw RuleViolation.Field("defaultPhoneRegion", $"'{settings.DefaultPhoneRegion}' is not a region code such as CN, US or GB.");
        var row = await db.Settings.FirstOrDefaultAsync(s => s.Key == DefaultPhoneRegionKey, ct);
        db.Audit(AuditActions.SettingsChanged, "setting", DefaultPhoneRegionKey, new { field = "defaultPhoneRegion", old = row?.Value, @new = region });
        if (row is null) db.Settings.Add(new Setting { Key = DefaultPhoneRegionKey, Value = region });
        else row.Value = region;
        await db.SaveChangesAsync(ct);
        return new WorkspaceSettingsModel(region);
    }
}
