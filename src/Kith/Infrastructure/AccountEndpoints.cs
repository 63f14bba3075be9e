namespace Kith.Infrastructure;

internal static class AccountEndpoints
{
    /// <summary>Sign-in, sign-out and first-run setup: plain HTTP form posts, since cookies are set on HTTP responses.</summary>
    public static IEndpointRouteBuilder MapKithAccountEndpoints(this IEndpointRouteBuilder app)
    {
        return app;
    }
}
