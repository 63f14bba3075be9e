using Microsoft.Extensions.DependencyInjection;

namespace Kith.Core.Segments;

public static class SegmentRegistration
{
    /// <summary>Dynamic segments of customers: save, count, refresh membership, read.</summary>
    public static IServiceCollection AddKithSegments(this IServiceCollection services)
    {
        services.AddSingleton<SegmentSignal>();
        services.AddScoped<SaveSegment>();
        services.AddScoped<RefreshSegment>();
        services.AddScoped<SegmentQueries>();
        return services;
    }
}
