using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace Kith.Infrastructure;

/// <summary>
/// X-Forwarded-For and X-Forwarded-Proto are believed only from the configured reverse proxies. With none configured
/// the headers are ignored altogether (ASP.NET Core's own default would trust loopback), so a client cannot dodge
/// the sign-in throttle or the rate limits by sending a made-up address.
/// </summary>
internal static class ProxyTrust
{
    public static IServiceCollection AddKithProxyTrust(this IServiceCollection services, IReadOnlyList<string> trusted)
    {
        var (proxies, networks) = Parse(trusted);
        services.Configure<ForwardedHeadersOptions>(o =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            o.KnownProxies.Clear();
            o.KnownIPNetworks.Clear();
            foreach (var proxy in proxies) o.KnownProxies.Add(proxy);
            foreach (var network in networks) o.KnownIPNetworks.Add(network);
            // Walk X-Forwarded-For from the right through every trusted hop; the first untrusted address is the client.
            o.ForwardLimit = null;
        });
        return services;
    }

    public static IApplicationBuilder UseKithProxyTrust(this IApplicationBuilder app, IReadOnlyList<string> trusted) =>
        trusted.Count == 0 ? app : app.UseForwardedHeaders();

    /// <summary>Addresses ("10.0.0.5", "::1") and networks ("10.0.0.0/8"); anything else is refused with a message saying which.</summary>
    public static (List<IPAddress> Proxies, List<System.Net.IPNetwork> Networks) Parse(IEnumerable<string> trusted)
    {
        var proxies = new List<IPAddress>();
        var networks = new List<System.Net.IPNetwork>();
        foreach (var raw in trusted.SelectMany(t => t.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            if (raw.Contains('/') && System.Net.IPNetwork.TryParse(raw, out var network)) networks.Add(network);
            else if (IPAddress.TryParse(raw, out var address)) proxies.Add(address);
            else throw new FormatException($"Trusted proxy \"{raw}\" is not an IP address (10.0.0.5) or a network (10.0.0.0/8).");
        }
        return (proxies, networks);
    }
}
