using Microsoft.Extensions.DependencyInjection;

namespace Kith.Core.Predictions;

public static class PredictionRegistration
{
    /// <summary>Churn risk and expected value per customer: training, scoring, reading.</summary>
    public static IServiceCollection AddKithPredictions(this IServiceCollection services)
    {
        services.AddScoped<TrainPredictions>();
        services.AddScoped<PredictionQueries>();
        return services;
    }
}
