using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Core.Settings;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Cases;

/// <summary>How many hours a case of each priority may stay unresolved; the body of GET/PUT /api/v1/cases/sla-targets.</summary>
public sealed record SlaTargets(int UrgentHours, int HighHours, int NormalHours, int LowHours)
{
    /// <summary>Common service-desk defaults: the same working day for urgent, the next for normal, three days for low.</summary>
    public static readonly SlaTargets Defaults = new(4, 8, 24, 72);
    public const int MaxHours = 24 * 365;

    public int HoursFor(CasePriority priority) => priority switch
    {
        CasePriority.Urgent => UrgentHours,
        CasePriority.High => HighHours,
        CasePriority.Low => LowHours,
        _ => NormalHours,
    };

    public DateTime DueFrom(DateTime openedAt, CasePriority priority) => openedAt.AddHours(HoursFor(priority));
}

/// <summary>
/// The workspace's SLA targets, kept in the settings table and changed by an administrator. A changed target applies
/// to cases opened or re-prioritised afterwards; the due time of a case already open stays what it was promised.
/// </summary>
public sealed class CaseSlaTargets(KithDb db)
{
    private const string KeyPrefix = "cases.sla.";

    public async Task<SlaTargets> GetAsync(CancellationToken ct)
    {
        var rows = await db.Settings.AsNoTracking().Where(s => s.Key.StartsWith(KeyPrefix)).ToDictionaryAsync(s => s.Key, s => s.Value, ct);
        int Read(CasePriority p) => rows.TryGetValue(Key(p), out var v) && int.TryParse(v, out var h) ? h : SlaTargets.Defaults.HoursFor(p);
        return new SlaTargets(Read(CasePriority.Urgent), Read(CasePriority.High), Read(CasePriority.Normal), Read(CasePriority.Low));
    }

    public async Task<SlaTargets> UpdateAsync(SlaTargets targets, AccessScope scope, CancellationToken ct)
    {
        if (!scope.IsAdmin) throw new Forbidden("Only an administrator may change the SLA targets.");
        var errors = new Dictionary<string, string[]>();
        foreach (var p in Enum.GetValues<CasePriority>())
        {
            var hours = targets.HoursFor(p);
            if (hours is < 1 or > SlaTargets.MaxHours)
                errors[Field(p)] = [$"{Field(p)} must be a whole number of hours from 1 to {SlaTargets.MaxHours}."];
        }
        if (errors.Count > 0) throw new RuleViolation(errors.First().Value[0], errors);
        var stored = await db.Settings.Where(s => s.Key.StartsWith(KeyPrefix)).ToDictionaryAsync(s => s.Key, ct);
        foreach (var p in Enum.GetValues<CasePriority>())
        {
            var value = targets.HoursFor(p).ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (stored.TryGetValue(Key(p), out var row)) row.Value = value;
            else db.Settings.Add(new Setting { Key = Key(p), Value = value });
        }
        await db.SaveChangesAsync(ct);
        return targets;
    }

    private static string Key(CasePriority p) => KeyPrefix + p.ToString().ToLowerInvariant();

    private static string Field(CasePriority p) => p.ToString().ToLowerInvariant() + "Hours";
}
