using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Kith.Core.Infrastructure;

/// <summary>
/// A counter per in-memory cache. Whoever changes what a cache was taken from bumps its counter; every node compares
/// the counter it took its copy at with the stored one (one primary-key read) and takes a new copy when they differ.
/// That keeps several nodes honest without a message bus.
/// </summary>
public sealed class SharedVersion
{
    public string Name { get; set; } = "";
    public long Version { get; set; }
}

internal sealed class SharedVersionConfiguration : IEntityTypeConfiguration<SharedVersion>
{
    public void Configure(EntityTypeBuilder<SharedVersion> b)
    {
        b.HasKey(v => v.Name);
        b.Property(v => v.Name).HasMaxLength(100);
    }
}

/// <summary>Reads and bumps <see cref="SharedVersion"/> counters.</summary>
public static class SharedVersions
{
    public static async Task<long> ReadAsync(KithDb db, string name, CancellationToken ct = default) =>
        await db.SharedVersions.AsNoTracking().Where(v => v.Name == name).Select(v => v.Version).FirstOrDefaultAsync(ct);

    /// <summary>One statement, so two nodes bumping at once both count.</summary>
    public static async Task BumpAsync(KithDb db, string name, CancellationToken ct = default)
    {
        var updated = await db.SharedVersions.Where(v => v.Name == name).ExecuteUpdateAsync(s => s.SetProperty(v => v.Version, v => v.Version + 1), ct);
        if (updated > 0) return;
        try
        {
            db.SharedVersions.Add(new SharedVersion { Name = name, Version = 1 });
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // Another node created the row first; bump it instead.
            db.ChangeTracker.Clear();
            await db.SharedVersions.Where(v => v.Name == name).ExecuteUpdateAsync(s => s.SetProperty(v => v.Version, v => v.Version + 1), ct);
        }
    }
}
