using System.Text;
using Kith.Core.Audit;
using Kith.Core.Behavior;
using Kith.Core.Communications;
using Kith.Core.Duplicates;
using Kith.Core.Importing;
using Kith.Core.Predictions;
using Kith.Core.Purchases;
using Kith.Core.Companies;
using Kith.Core.CustomFields;
using Kith.Core.Customers;
using Kith.Core.History;
using Kith.Core.Identity;
using Kith.Core.SavedViews;
using Kith.Core.Segments;
using Kith.Core.Settings;
using Kith.Core.Tags;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Kith.Core.Infrastructure;

/// <summary>
/// The one database context. Each provider has a subclass (<see cref="SqliteKithDb"/>, <see cref="PostgresKithDb"/>)
/// only so that each keeps its own migrations; the model is the same.
/// </summary>
public abstract class KithDb(DbContextOptions options) : DbContext(options)
{
    public DbSet<Customer> Customers => Set<Customer>();
    public DbSet<Company> Companies => Set<Company>();
    public DbSet<Tag> Tags => Set<Tag>();
    public DbSet<User> Users => Set<User>();
    public DbSet<Team> Teams => Set<Team>();
    public DbSet<TeamMember> TeamMembers => Set<TeamMember>();
    public DbSet<ApiToken> ApiTokens => Set<ApiToken>();
    public DbSet<RolePolicy> RolePolicies => Set<RolePolicy>();
    public DbSet<UserSession> UserSessions => Set<UserSession>();
    public DbSet<MfaRecoveryCode> MfaRecoveryCodes => Set<MfaRecoveryCode>();
    public DbSet<OpenIdLink> OpenIdLinks => Set<OpenIdLink>();
    public DbSet<PasswordResetToken> PasswordResetTokens => Set<PasswordResetToken>();
    public DbSet<FailedAttempt> FailedAttempts => Set<FailedAttempt>();
    public DbSet<FieldRule> FieldRules => Set<FieldRule>();
    public DbSet<CustomFieldDefinition> CustomFields => Set<CustomFieldDefinition>();
    public DbSet<RecordChange> RecordChanges => Set<RecordChange>();
    public DbSet<SavedView> SavedViews => Set<SavedView>();
    public DbSet<Setting> Settings => Set<Setting>();
    public DbSet<Purchase> Purchases => Set<Purchase>();
    public DbSet<Communication> Communications => Set<Communication>();
    public DbSet<BehaviorEvent> BehaviorEvents => Set<BehaviorEvent>();
    public DbSet<ImportJob> ImportJobs => Set<ImportJob>();
    public DbSet<ImportRejection> ImportRejections => Set<ImportRejection>();
    public DbSet<ImportChange> ImportChanges => Set<ImportChange>();
    public DbSet<ImportTemplate> ImportTemplates => Set<ImportTemplate>();
    public DbSet<DuplicatePair> DuplicatePairs => Set<DuplicatePair>();
    public DbSet<CustomerMerge> CustomerMerges => Set<CustomerMerge>();
    public DbSet<Segment> Segments => Set<Segment>();
    public DbSet<SegmentMember> SegmentMembers => Set<SegmentMember>();
    public DbSet<SegmentChange> SegmentChanges => Set<SegmentChange>();
    public DbSet<CustomerScore> CustomerScores => Set<CustomerScore>();
    public DbSet<PredictionModel> PredictionModels => Set<PredictionModel>();
    public DbSet<Kith.Core.Analytics.CustomerRfm> CustomerRfm => Set<Kith.Core.Analytics.CustomerRfm>();
    public DbSet<Kith.Core.Mail.Mailbox> Mailboxes => Set<Kith.Core.Mail.Mailbox>();
    public DbSet<Kith.Core.Mail.MailboxFolder> MailboxFolders => Set<Kith.Core.Mail.MailboxFolder>();
    public DbSet<Kith.Core.Mail.EmailMessage> EmailMessages => Set<Kith.Core.Mail.EmailMessage>();
    public DbSet<Kith.Core.Mail.EmailParticipant> EmailParticipants => Set<Kith.Core.Mail.EmailParticipant>();
    public DbSet<Kith.Core.Mail.EmailLink> EmailLinks => Set<Kith.Core.Mail.EmailLink>();
    public DbSet<Kith.Core.Mail.MailSyncRun> MailSyncRuns => Set<Kith.Core.Mail.MailSyncRun>();
    public DbSet<Kith.Core.Mail.MailTemplate> MailTemplates => Set<Kith.Core.Mail.MailTemplate>();
    public DbSet<PendingEvent> PendingEvents => Set<PendingEvent>();
    public DbSet<SiteKey> SiteKeys => Set<SiteKey>();
    public DbSet<BehaviorDay> BehaviorDays => Set<BehaviorDay>();
    public DbSet<BehaviorTotal> BehaviorTotals => Set<BehaviorTotal>();
    public DbSet<StaleBehavior> StaleBehavior => Set<StaleBehavior>();
    public DbSet<CommunicationChoice> CommunicationChoices => Set<CommunicationChoice>();
    public DbSet<CommunicationParticipant> CommunicationParticipants => Set<CommunicationParticipant>();
    public DbSet<CommunicationAttachment> CommunicationAttachments => Set<CommunicationAttachment>();
    public DbSet<Kith.Core.Tasks.TaskItem> Tasks => Set<Kith.Core.Tasks.TaskItem>();
    public DbSet<Kith.Core.Cases.ServiceCase> Cases => Set<Kith.Core.Cases.ServiceCase>();
    public DbSet<Kith.Core.Cases.CaseCommunication> CaseCommunications => Set<Kith.Core.Cases.CaseCommunication>();
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();
    public DbSet<SharedVersion> SharedVersions => Set<SharedVersion>();
    public DbSet<Kith.Core.Privacy.Consent> Consents => Set<Kith.Core.Privacy.Consent>();
    public DbSet<Kith.Core.Privacy.ErasedPerson> ErasedPeople => Set<Kith.Core.Privacy.ErasedPerson>();
    public DbSet<Kith.Core.Privacy.Erasure> Erasures => Set<Kith.Core.Privacy.Erasure>();
    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();
    public DbSet<AuditChain> AuditChains => Set<AuditChain>();
    public DbSet<AuditSubjectKey> AuditSubjectKeys => Set<AuditSubjectKey>();
    public DbSet<Kith.Core.SensitiveFields.SensitiveField> SensitiveFields => Set<Kith.Core.SensitiveFields.SensitiveField>();

    /// <summary>Who this unit of work acts for, as the audit trail records it (see Audit/AuditTrail).</summary>
    public AuditWho AuditWho { get; set; } = AuditWho.System;

    /// <summary>A save that carries audit entries also chains them, in the same transaction (see Audit/AuditSeal).</summary>
    public override Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default) =>
        AuditSeal.HasPending(this)
            ? AuditSeal.SaveAsync(this, () => base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken), cancellationToken)
            : base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);

    public override int SaveChanges(bool acceptAllChangesOnSuccess) =>
        AuditSeal.HasPending(this)
            ? AuditSeal.SaveAsync(this, () => Task.FromResult(base.SaveChanges(acceptAllChangesOnSuccess)), default).GetAwaiter().GetResult()
            : base.SaveChanges(acceptAllChangesOnSuccess);
    public DbSet<Kith.Core.Feedback.FeedbackEntry> Feedback => Set<Kith.Core.Feedback.FeedbackEntry>();
    public DbSet<Kith.Core.Feedback.FeedbackSurvey> FeedbackSurveys => Set<Kith.Core.Feedback.FeedbackSurvey>();

    public abstract DatabaseProvider Provider { get; }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // Enums are stored by name so that the database reads the same as the API and filters.
        configurationBuilder.Properties<Enum>().HaveConversion<string>().HaveMaxLength(20);
        // SQLite hands DateTime back without a kind; every instant Kith stores is UTC.
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
        configurationBuilder.Properties<DateTime?>().HaveConversion<UtcDateTimeConverter>();
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(KithDb).Assembly);
        foreach (var entity in modelBuilder.Model.GetEntityTypes())
        {
            if (entity.GetTableName() is { } table && !entity.IsOwned())
                entity.SetTableName(SnakeCase(table));
            foreach (var property in entity.GetProperties())
                property.SetColumnName(SnakeCase(property.GetColumnName()));
            foreach (var key in entity.GetKeys())
                key.SetName(SnakeCase(key.GetName() ?? ""));
            foreach (var fk in entity.GetForeignKeys())
                fk.SetConstraintName(SnakeCase(fk.GetConstraintName() ?? ""));
            foreach (var index in entity.GetIndexes())
                index.SetDatabaseName(SnakeCase(index.GetDatabaseName() ?? ""));
        }
    }

    internal static string SnakeCase(string name)
    {
        var sb = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0 && name[i - 1] != '_' && (char.IsLower(name[i - 1]) || (i + 1 < name.Length && char.IsLower(name[i + 1]))))
                    sb.Append('_');
                sb.Append(char.ToLowerInvariant(c));
            }
            else sb.Append(c);
        }
        return sb.ToString();
    }

    private sealed class UtcDateTimeConverter() : ValueConverter<DateTime, DateTime>(
        v => v.Kind == DateTimeKind.Utc ? v : DateTime.SpecifyKind(v.ToUniversalTime(), DateTimeKind.Utc),
        v => DateTime.SpecifyKind(v, DateTimeKind.Utc));
}

public sealed class SqliteKithDb(DbContextOptions<SqliteKithDb> options) : KithDb(options)
{
    public override DatabaseProvider Provider => DatabaseProvider.Sqlite;
}

public sealed class PostgresKithDb(DbContextOptions<PostgresKithDb> options) : KithDb(options)
{
    public override DatabaseProvider Provider => DatabaseProvider.Postgres;
}
