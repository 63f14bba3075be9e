using Microsoft.Extensions.DependencyInjection;

namespace Kith.Core.Importing;

public static class ImportRegistration
{
    public static IServiceCollection AddKithImports(this IServiceCollection services)
    {
        services.AddScoped<StartImport>();
        services.AddScoped<PreviewImport>();
        services.AddScoped<ImportRunner>();
        services.AddScoped<ImportQueue>();
        services.AddScoped<CancelImport>();
        services.AddScoped<RevertImport>();
        services.AddScoped<ImportQueries>();
        services.AddScoped<ImportTemplates>();
        return services;
    }
}
