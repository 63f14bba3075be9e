using Microsoft.Extensions.DependencyInjection;

namespace Kith.Core.Backups;

public static class BackupRegistration
{
    /// <summary>Backups: take, restore, verify, and the admin's schedule.</summary>
    public static IServiceCollection AddKithBackups(this IServiceCollection services)
    {
        services.AddScoped<CreateBackup>();
        services.AddScoped<RestoreBackup>();
        services.AddScoped<VerifyBackup>();
        services.AddScoped<BackupSchedule>();
        return services;
    }
}
