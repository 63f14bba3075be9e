using Kith.Core.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Kith.Core.Mail;

public static class MailRegistration
{
    public static IServiceCollection AddKithMail(this IServiceCollection services)
    {
        services.AddSingleton(sp => new SecretBox(sp.GetRequiredService<DatabaseOptions>()));
        // The host registers its own with the operator's allowed mail hosts; without one, the default policy holds.
        services.TryAddSingleton(new OutboundAddresses());
        services.AddScoped<MailClients>();
        services.AddScoped<MailAccess>();
        services.AddScoped<MailQueries>();
        services.AddScoped<ConnectMailbox>();
        services.AddScoped<UpdateMailbox>();
        services.AddScoped<DisconnectMailbox>();
        services.AddScoped<TestMailbox>();
        services.AddScoped<SyncMailbox>();
        services.AddScoped<MailTemplates>();
        services.AddScoped<SendEmail>();
        services.AddScoped<MailSyncQueue>();
        services.AddScoped<SystemMailSettings>();
        services.AddScoped<ISystemMail, SystemMail>();
        services.AddScoped<TestSystemMail>();
        services.AddScoped<Kith.Core.Tasks.ITaskReminderSender, Kith.Core.Tasks.TaskReminderMail>();
        return services;
    }
}
