using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Core.Settings;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Audit;

/// <summary>How many days the audit trail keeps an entry: an admin setting, a year unless changed.</summary>
public sealed class AuditRetention(KithDb db)
{
    public const string Key = "audit.retentionDays";
    public const int DefaultDays = 365;
    public const int MaxDays = 36_500;

    public async Task<int> DaysAsync(CancellationToken ct = default)
    {
        var value = await db.Settings.AsNoTracking().Where(s => s.Key == Key).Select(s => s.Value).FirstOrDefaultAsync(ct);
        return int.TryParse(value, out var days) && days is > 0 and <= MaxDays ? days : DefaultDays;
    }

    public async Task<int> SetDaysAsync(int days, AccessScope scope, CancellationToken ct = default)
    {
        if (!scope.IsAdmin) throw new Forbidden("Only an administrator may change how long the audit trail is kept.");
        if (days is < 1 or > MaxDays) throw RuleViolation.Field("retentionDays", $"Keep audit entries for 1 to {MaxDays} days.");
        var before = await DaysAsync(ct);
        var row = await db.Settings.FirstOrDefaultAsync(s => s.Key == Key, ct);
        var text = days.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (row is null) db.Settings.Add(new Setting { Key = Key, Value = text });
        else row.Value = text;
        db.Audit(AuditActions.SettingsChanged, "setting", Key, new { field = "retentionDays", old = before, @new = days });
        await db.SaveChangesAsync(ct);
        return days;
    }
}
