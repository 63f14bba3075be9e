using Kith.Core.Identity;
using Kith.Core.Mail;

namespace Kith.Core.Tests.Mail;

/// <summary>System mail pointed at an in-process SMTP server (SmtpSink), as an administrator would set it.</summary>
internal static class SystemMailKit
{
    public const string User = "kith@company.example", Password = "smtp-pw", PublicUrl = "https://crm.company.example";

    public static AccessScope Admin(long userId = 0) => new() { UserId = userId, Role = Role.Admin, Policy = RolePolicies.Defaults[0], OwnerIds = null };

    public static Task<SystemMailView> ConfigureAsync(MailboxKit kit, int smtpPort, string? fromName = "Kith CRM") =>
        kit.RunAsync<SystemMailSettings, SystemMailView>(s => s.UpdateAsync(new SystemMailInput
        {
            Host = "127.0.0.1", Port = smtpPort, Security = MailSecurity.None, User = User, Password = Password,
            FromAddress = "kith@company.example", FromName = fromName, PublicUrl = PublicUrl + "/",
        }, Admin(), MailboxKit.Ct));
}
