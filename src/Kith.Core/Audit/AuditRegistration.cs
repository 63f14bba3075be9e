using Kith.Core.Privacy;
using Microsoft.Extensions.DependencyInjection;

namespace Kith.Core.Audit;

public static class AuditRegistration
{
    /// <summary>Searching, verifying and purging the audit trail; writing needs nothing but the KithDb.</summary>
    public static IServiceCollection AddKithAudit(this IServiceCollection services)
    {
        services.AddScoped<AuditQueries>();
        services.AddScoped<VerifyAuditTrail>();
        services.AddScoped<AuditRetention>();
        services.AddScoped<PurgeAuditTrail>();
        services.AddPersonalDataPart<AuditPersonalData>();
        return services;
    }
}
