using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Kith.Core.Infrastructure;

/// <summary>
/// One key of the web host's data-protection key ring (what signs the sign-in cookie), kept in the database so that
/// every node behind a load balancer reads the same ring. The XML is sealed with secret.key before it is stored.
/// </summary>
public sealed class DataProtectionKey
{
    public long Id { get; set; }
    public string FriendlyName { get; set; } = "";
    public string Xml { get; set; } = "";
}

internal sealed class DataProtectionKeyConfiguration : IEntityTypeConfiguration<DataProtectionKey>
{
    public void Configure(EntityTypeBuilder<DataProtectionKey> b)
    {
        b.Property(k => k.FriendlyName).HasMaxLength(200);
    }
}
