using Microsoft.Extensions.DependencyInjection;

namespace Kith.Core.Identity;

public static class IdentityRegistration
{
    public static IServiceCollection AddKithIdentity(this IServiceCollection services)
    {
        services.AddScoped<ApiTokens>();
        services.AddScoped<UserAccounts>();
        services.AddScoped<TeamRoster>();
        services.AddScoped<RoleSettings>();
        services.AddScoped<UserSessions>();
        services.AddScoped<TwoFactor>();
        services.AddScoped<SignInWithOpenId>();
        services.AddScoped<SignInThrottle>();
        services.AddScoped<SendPasswordReset>();
        services.AddScoped<ResetPassword>();
        return services;
    }
}
