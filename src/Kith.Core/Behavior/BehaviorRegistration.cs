using Microsoft.Extensions.DependencyInjection;

namespace Kith.Core.Behavior;

public static class BehaviorRegistration
{
    /// <summary>Event ingestion: the events API, pending events, site keys and the tracking snippet's collector.</summary>
    public static IServiceCollection AddKithEventIngestion(this IServiceCollection services)
    {
        services.AddScoped<IngestEvents>();
        services.AddScoped<PendingEventQueries>();
        return services;
    }
}
