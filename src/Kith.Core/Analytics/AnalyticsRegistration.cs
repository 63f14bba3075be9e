using Microsoft.Extensions.DependencyInjection;

namespace Kith.Core.Analytics;

public static class AnalyticsRegistration
{
    /// <summary>Behaviour analyses (RFM, cohorts, funnels, trends, top items, heatmap) and the team dashboards.</summary>
    public static IServiceCollection AddKithAnalytics(this IServiceCollection services)
    {
        services.AddScoped<Rfm>();
        services.AddScoped<CohortRetention>();
        services.AddScoped<Funnel>();
        services.AddScoped<Trends>();
        services.AddScoped<TopItems>();
        services.AddScoped<ActivityHeatmap>();
        services.AddScoped<Dashboard>();
        return services;
    }
}
