using Microsoft.Extensions.DependencyInjection;

namespace Kith.Core.Duplicates;

public static class DuplicateRegistration
{
    /// <summary>Finding, reviewing, merging and un-merging duplicate customers.</summary>
    public static IServiceCollection AddKithDuplicates(this IServiceCollection services)
    {
        services.AddScoped<FindDuplicates>();
        services.AddScoped<DuplicateQueries>();
        services.AddScoped<MergeCustomers>();
        services.AddScoped<UndoMerge>();
        services.AddScoped<DismissDuplicate>();
        return services;
    }
}
