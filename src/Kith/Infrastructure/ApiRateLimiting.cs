using System.Threading.RateLimiting;
using Kith.Core.Identity;
using Microsoft.AspNetCore.RateLimiting;

namespace Kith.Infrastructure;

/// <summary>
/// ASP.NET Core rate limiting on /api: one fixed window per token and one per client address, chained, so neither
/// one token spread over many addresses nor many tokens from one address escape. Sign-in and bad tokens have their
/// own failure throttles (<see cref="SignInThrottle"/>, <see cref="TokenThrottle"/>).
/// </summary>
internal static class ApiRateLimiting
{
    public static IServiceCollection AddKithApiRateLimits(this IServiceCollection services, ApiRateLimits limits)
    {
        services.AddRateLimiter(o =>
        {
            o.GlobalLimiter = PartitionedRateLimiter.CreateChained(
                PartitionedRateLimiter.Create<HttpContext, string>(c => Partition(c, limits.PerTokenPerMinute, TokenKey(c))),
                PartitionedRateLimiter.Create<HttpContext, string>(c => Partition(c, limits.PerAddressPerMinute, c.ClientAddress())));
            o.OnRejected = (context, _) =>
            {
                var wait = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromMinutes(1);
                return new ValueTask(KithAuthentication.WriteProblemAsync(context.HttpContext, 429, "Too many requests",
                    "You sent more API requests than Kith allows per minute; wait before sending more.", wait));
            };
        });
        return services;
    }

    private static RateLimitPartition<string> Partition(HttpContext context, int perMinute, string? key)
    {
        if (perMinute <= 0 || key is null || !context.Request.Path.StartsWithSegments("/api")) return RateLimitPartition.GetNoLimiter("");
        return RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = perMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0, AutoReplenishment = true,
        });
    }

    /// <summary>The token's hash (the token itself never becomes a dictionary key in memory); null without a bearer token.</summary>
    private static string? TokenKey(HttpContext context)
    {
        string? header = context.Request.Headers.Authorization;
        if (header is null || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return null;
        return ApiTokens.Hash(header["Bearer ".Length..].Trim());
    }
}
