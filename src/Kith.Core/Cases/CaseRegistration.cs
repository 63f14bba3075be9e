using Kith.Core.Privacy;
using Microsoft.Extensions.DependencyInjection;

namespace Kith.Core.Cases;

public static class CaseRegistration
{
    /// <summary>Service cases: their rules, queries, use cases, SLA targets and the support-mailbox handler.</summary>
    public static IServiceCollection AddKithCases(this IServiceCollection services)
    {
        services.AddScoped<CaseSlaTargets>();
        services.AddPersonalDataPart<CasePersonalData>();
        services.AddScoped<CaseRules>();
        services.AddScoped<CaseQueries>();
        services.AddScoped<OpenCase>();
        services.AddScoped<UpdateCase>();
        services.AddScoped<LinkCaseCommunication>();
        services.AddScoped<ReplyToCase>();
        services.AddScoped<CaseMail>();
        return services;
    }
}
