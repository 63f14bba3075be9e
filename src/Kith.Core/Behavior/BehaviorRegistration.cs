using Microsoft.Extensions.DependencyInjection;

namespace Kith.Core.Behavior;

public static class BehaviorRegistration
{
    public static IServiceCollection AddKithBehavior(this IServiceCollection services)
    {
        services.AddScoped<BehaviorRollup>();
        services.AddScoped<BehaviorQueries>();
        services.AddScoped<AnalyzeBehavior>();
        return services;
    }
}
