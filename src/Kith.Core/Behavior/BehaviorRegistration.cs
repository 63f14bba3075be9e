using Microsoft.Extensions.DependencyInjection;

namespace Kith.Core.Behavior;

public static class BehaviorRegistration
{
    /// <summary>Event ingestion: the events API, pending events, site keys and the tracking snippet's collector.</summary>
    public static IServiceCollection AddKithEventIngestion(this IServiceCollection services)
    {
        services.AddScoped<IngestEvents>();
        services.AddSingleton<EventBatchCommits>();
        services.AddScoped<PendingEventQueries>();
        services.AddScoped<CreateSiteKey>();
        services.AddScoped<RevokeSiteKey>();
        services.AddScoped<SiteKeyQueries>();
        services.AddScoped<TrackEvents>();
        services.AddSingleton<TrackerThrottle>();
        return services;
    }

    /// <summary>The per-customer behaviour summary and `kith analyze behavior`.</summary>
    public static IServiceCollection AddKithBehavior(this IServiceCollection services)
    {
        services.AddScoped<BehaviorRollup>();
        services.AddScoped<BehaviorQueries>();
        services.AddScoped<AnalyzeBehavior>();
        return services;
    }
}
