using Kith.Core.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace Kith.Core.Infrastructure;

public static class CoreRegistration
{
    /// <summary>Registers the use cases and queries of every feature. Each feature adds its lines here.</summary>
    public static IServiceCollection AddKithCore(this IServiceCollection services)
    {
        services.AddKithIdentity();
        Kith.Core.Customers.RecordRegistration.AddKithRecords(services);
        return services;
    }
}
