namespace Kith.Core.Audit;

/// <summary>The actions the audit trail records; a feature that adds one adds its name here.</summary>
public static class AuditActions
{
    public const string SignInSucceeded = "signin.succeeded";
    public const string SignInFailed = "signin.failed";
    public const string RecordCreated = "record.created";
    public const string RecordUpdated = "record.updated";
    public const string RecordDeleted = "record.deleted";
    public const string RecordRestored = "record.restored";
    public const string Export = "export";
    public const string Import = "import";
    public const string ImportReverted = "import.reverted";
    public const string Merge = "merge";
    public const string MergeUndone = "merge.undone";
    public const string Erase = "erase";
    public const string Backup = "backup";
    public const string RoleChanged = "role.changed";
    public const string TeamChanged = "team.changed";
    public const string PermissionChanged = "permission.changed";
    public const string TokenCreated = "token.created";
    public const string TokenRevoked = "token.revoked";
    public const string UserCreated = "user.created";
    public const string UserDisabled = "user.disabled";
    public const string UserEnabled = "user.enabled";
    public const string PasswordReset = "user.passwordReset";
    public const string PasswordResetRequested = "passwordReset.requested";
    public const string PasswordResetCompleted = "passwordReset.completed";
    public const string PasswordResetRefused = "passwordReset.refused";
    public const string BackupVerified = "backup.verified";
    public const string BackupRestored = "backup.restored";
    public const string SettingsChanged = "settings.changed";
    public const string AuditPurged = "audit.purged";
    public const string SensitiveFieldChanged = "field.sensitivity";

    public static string Record(Kith.Core.History.ChangeAction action) => action switch
    {
        Kith.Core.History.ChangeAction.Created => RecordCreated,
        Kith.Core.History.ChangeAction.Updated => RecordUpdated,
        Kith.Core.History.ChangeAction.Deleted => RecordDeleted,
        Kith.Core.History.ChangeAction.Restored => RecordRestored,
        Kith.Core.History.ChangeAction.Merged => Merge,
        _ => MergeUndone,
    };
}
