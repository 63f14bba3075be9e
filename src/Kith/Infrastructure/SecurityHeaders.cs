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
                // Over HTTPS (directly, or from a trusted proxy that says so), browsers are told to never use plain HTTP
                // for this host again. Subdomains are left alone: they may be other people's sites.
                if (context.Request.IsHttps) h.StrictTransportSecurity = "max-age=31536000";
                h.Remove("Server");
                h.Remove("X-Powered-By");
                return Task.CompletedTask;
            });
            return next(context);
        });
}
