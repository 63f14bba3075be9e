using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Kith.Core.Identity;

internal sealed class UserConfiguration : IEntityTypeConfiguration<User>
{
    public void Configure(EntityTypeBuilder<User> b)
    {
        b.Property(u => u.Email).HasMaxLength(254);
        b.Property(u => u.DisplayName).HasMaxLength(200);
        b.Property(u => u.Language).HasMaxLength(10);
        b.Property(u => u.SecurityStamp).HasMaxLength(64);
        b.Property(u => u.MfaSecret).HasMaxLength(200);
        b.HasIndex(u => u.Email).IsUnique();
    }
}

internal sealed class TeamConfiguration : IEntityTypeConfiguration<Team>
{
    public void Configure(EntityTypeBuilder<Team> b)
    {
        b.Property(t => t.Name).HasMaxLength(100);
        b.HasIndex(t => t.Name).IsUnique();
    }
}

internal sealed class TeamMemberConfiguration : IEntityTypeConfiguration<TeamMember>
{
    public void Configure(EntityTypeBuilder<TeamMember> b)
    {
        b.HasKey(m => new { m.TeamId, m.UserId });
        b.HasIndex(m => m.UserId);
        b.HasOne<Team>().WithMany().HasForeignKey(m => m.TeamId).OnDelete(DeleteBehavior.Cascade);
        b.HasOne<User>().WithMany().HasForeignKey(m => m.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ApiTokenConfiguration : IEntityTypeConfiguration<ApiToken>
{
    public void Configure(EntityTypeBuilder<ApiToken> b)
    {
        b.Property(t => t.Name).HasMaxLength(100);
        b.Property(t => t.TokenHash).HasMaxLength(64);
        b.Property(t => t.Prefix).HasMaxLength(16);
        b.HasIndex(t => t.TokenHash).IsUnique();
        b.HasOne(t => t.User).WithMany().HasForeignKey(t => t.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class RolePolicyConfiguration : IEntityTypeConfiguration<RolePolicy>
{
    public void Configure(EntityTypeBuilder<RolePolicy> b)
    {
        b.HasKey(p => p.Role);
    }
}

internal sealed class UserSessionConfiguration : IEntityTypeConfiguration<UserSession>
{
    public void Configure(EntityTypeBuilder<UserSession> b)
    {
        b.Property(s => s.KeyHash).HasMaxLength(64);
        b.Property(s => s.UserAgent).HasMaxLength(300);
        b.Property(s => s.Address).HasMaxLength(64);
        b.HasIndex(s => s.KeyHash).IsUnique();
        b.HasIndex(s => s.UserId);
        b.HasOne<User>().WithMany().HasForeignKey(s => s.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class MfaRecoveryCodeConfiguration : IEntityTypeConfiguration<MfaRecoveryCode>
{
    public void Configure(EntityTypeBuilder<MfaRecoveryCode> b)
    {
        b.Property(c => c.CodeHash).HasMaxLength(64);
        b.HasIndex(c => c.UserId);
        b.HasOne<User>().WithMany().HasForeignKey(c => c.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class FieldRuleConfiguration : IEntityTypeConfiguration<FieldRule>
{
    public void Configure(EntityTypeBuilder<FieldRule> b)
    {
        b.ToTable("field_rules");
        b.HasKey(r => new { r.Role, r.Entity, r.Field });
        b.Property(r => r.Field).HasMaxLength(80);
    }
}

internal sealed class OpenIdLinkConfiguration : IEntityTypeConfiguration<OpenIdLink>
{
    public void Configure(EntityTypeBuilder<OpenIdLink> b)
    {
        b.Property(l => l.Issuer).HasMaxLength(300);
        b.Property(l => l.Subject).HasMaxLength(255);
        b.HasIndex(l => new { l.Issuer, l.Subject }).IsUnique();
        b.HasIndex(l => l.UserId);
        b.HasOne(l => l.User).WithMany().HasForeignKey(l => l.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class PasswordResetTokenConfiguration : IEntityTypeConfiguration<PasswordResetToken>
{
    public void Configure(EntityTypeBuilder<PasswordResetToken> b)
    {
        b.Property(t => t.TokenHash).HasMaxLength(64);
        b.Property(t => t.Stamp).HasMaxLength(64);
        b.HasIndex(t => t.TokenHash).IsUnique();
        b.HasIndex(t => t.UserId);
        b.HasOne<User>().WithMany().HasForeignKey(t => t.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class FailedAttemptConfiguration : IEntityTypeConfiguration<FailedAttempt>
{
    public void Configure(EntityTypeBuilder<FailedAttempt> b)
    {
        b.Property(f => f.Rule).HasMaxLength(40);
        b.Property(f => f.KeyHash).HasMaxLength(64);
        // The count for one key in its window is a range read on this index; the sweep of old rows uses the second.
        b.HasIndex(f => new { f.Rule, f.KeyHash, f.At });
        b.HasIndex(f => f.At);
    }
}
