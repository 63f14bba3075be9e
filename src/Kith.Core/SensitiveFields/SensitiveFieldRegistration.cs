using Microsoft.Extensions.DependencyInjection;

namespace Kith.Core.SensitiveFields;

public static class SensitiveFieldRegistration
{
    /// <summary>Marking fields sensitive, converting stored values, and the field keys. The sealing itself is part of the database context.</summary>
    public static IServiceCollection AddKithSensitiveFields(this IServiceCollection services)
    {
        services.AddScoped<MarkSensitiveField>();
        services.AddScoped<ConvertSensitiveValues>();
        services.AddScoped<FieldKeys>();
        return services;
    }
}
