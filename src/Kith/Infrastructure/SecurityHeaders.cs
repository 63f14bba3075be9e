namespace Kith.Infrastructure;

internal static class SecurityHeaders
{
    // Blazor Server talks over a same-origin WebSocket; MudBlazor sets inline styles, never inline scripts.
    private const string Csp = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
                               "font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'";

    // The API reference page runs the bundled Scalar script, which needs inline bootstrapping.
    private const string ReferenceCsp = "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
                                        "font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'";

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            context.Response.OnStarting(() =>
            {
                var h = context.Response.Headers;
                h.XContentTypeOptions = "nosniff";
                h.XFrameOptions = "DENY";
                h["Referrer-Policy"] = "same-origin";
                h["Cross-Origin-Opener-Policy"] = "same-origin";
                h["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()";
                h.ContentSecurityPolicy = context.Request.Path.StartsWithSegments("/api/reference") ? ReferenceCsp : Csp;
                h.Remove("Server");
                h.Remove("X-Powered-By");
                return Task.CompletedTask;
            });
            return next(context);
        });
}
