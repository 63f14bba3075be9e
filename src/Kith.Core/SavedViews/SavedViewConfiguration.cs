using Kith.Core.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Kith.Core.SavedViews;

internal sealed class SavedViewConfiguration : IEntityTypeConfiguration<SavedView>
{
    public void Configure(EntityTypeBuilder<SavedView> b)
    {
        b.Property(v => v.Entity).HasMaxLength(20);
        b.Property(v => v.Name).HasMaxLength(100);
        b.Property(v => v.Query).HasMaxLength(200);
        b.Property(v => v.Filter).HasMaxLength(2000);
        b.Property(v => v.Sort).HasMaxLength(100);
        b.Property(v => v.Columns).HasMaxLength(1000);
        b.HasIndex(v => new { v.UserId, v.Entity, v.Name }).IsUnique();
        b.HasOne<User>().WithMany().HasForeignKey(v => v.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}
