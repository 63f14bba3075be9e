using Microsoft.Extensions.DependencyInjection;

namespace Kith.Core.Exporting;

public static class ExportRegistration
{
    public static IServiceCollection AddKithExporting(this IServiceCollection services)
    {
        services.AddScoped<ExportCustomers>();
        services.AddScoped<ExportCompanies>();
        services.AddScoped<ExportCases>();
        return services;
    }
}
