using System.Net;
using System.Net.Sockets;

namespace Kith.Core.Infrastructure;

/// <summary>An outbound connection to a host Kith does not connect to; the message says why and what the operator can do.</summary>
public sealed class OutboundAddressRefused(string message) : Exception(message);

/// <summary>
/// Where Kith may connect to on a user's behalf (mail servers typed into a mailbox or the system mail settings), so
/// that a host field cannot turn the server into a probe of itself or of its cloud's metadata service (SSRF).
/// Loopback, link-local (with the cloud metadata addresses), unspecified, multicast and broadcast addresses are
/// refused in every spelling; private LAN ranges are allowed, since self-hosted mail servers live there. The check
/// runs on the resolved address at connect time and Kith connects to exactly the address it checked, so a DNS name
/// that changes its answer between the check and the connection (DNS rebinding) gains nothing. Hosts the operator
/// names (`kith serve --allow-mail-host`) skip the check. See ADR-0019.
/// </summary>
public sealed class OutboundAddresses
{
    public const string AllowOption = "--allow-mail-host";

    private readonly HashSet<string> _allowedNames = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<IPAddress> _allowedAddresses = [];
    private readonly Func<string, CancellationToken, Task<IPAddress[]>> _resolve;

    /// <param name="allowed">Host names or addresses the operator allows although they are loopback or link-local.</param>
    /// <param name="resolve">The name lookup; tests give a DNS server that changes its mind.</param>
    public OutboundAddresses(IEnumerable<string>? allowed = null, Func<string, CancellationToken, Task<IPAddress[]>>? resolve = null)
    {
        foreach (var entry in allowed ?? [])
        {
            var host = Normalize(entry);
            if (host.Length == 0) continue;
            if (Literal(host) is { } address) _allowedAddresses.Add(Canonical(address));
            else _allowedNames.Add(host);
        }
        _resolve = resolve ?? ((host, ct) => Dns.GetHostAddressesAsync(host, ct));
    }

    /// <summary>
    /// Why a typed host is refused before anything is stored, or null: an address literal in any spelling
    /// (<c>127.1</c>, <c>0x7f000001</c>, <c>2130706433</c>, <c>[::ffff:127.0.0.1]</c>) or a localhost name. Names are
    /// checked again, resolved, at every connection.
    /// </summary>
    public string? Refusal(string? typed)
    {
        var host = Normalize(typed);
        if (host.Length == 0 || _allowedNames.Contains(host)) return null;
        if (Literal(host) is { } address) return Refusal(typed!, address);
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase))
            return Refusal(typed!, IPAddress.Loopback);
        return null;
    }

    /// <summary>A connected socket to <paramref name="host"/>, on an address that passed the check.</summary>
    /// <exception cref="OutboundAddressRefused">Every address the host resolves to is refused.</exception>
    public async Task<Socket> ConnectAsync(string host, int port, CancellationToken ct)
    {
        var name = Normalize(host);
        var addresses = Literal(name) is { } literal ? [literal] : await _resolve(name, ct);
        var trusted = _allowedNames.Contains(name);
        var usable = addresses.Where(a => trusted || Refusal(host, a) is null).ToList();
        if (usable.Count == 0)
            throw new OutboundAddressRefused(addresses.Length == 0
                ? $"{host} has no address."
                : Refusal(host, addresses[0])!);
        SocketException? last = null;
        foreach (var address in usable)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, port), ct);
                return socket;
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = e;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        throw last!;
    }

    private string? Refusal(string typed, IPAddress address)
    {
        var canonical = Canonical(address);
        if (_allowedAddresses.Contains(canonical)) return null;
        var kind = Kind(canonical);
        return kind is null ? null
            : $"{typed} {(Literal(Normalize(typed)) is null ? $"resolves to {canonical}, " : "is ")}{kind}: Kith does not connect there "
              + $"on a user's behalf. An operator who runs the mail server there starts Kith with {AllowOption} {Normalize(typed)}.";
    }

    /// <summary>What kind of refused address this is, or null when Kith may connect to it.</summary>
    internal static string? Kind(IPAddress address)
    {
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return b[0] switch
            {
                127 => "a loopback address",
                0 => "an unspecified address",
                169 when b[1] == 254 => "a link-local address (cloud metadata lives there)",
                100 when b[1] == 100 && b[2] == 100 && b[3] == 200 => "a cloud metadata address",
                168 when b[1] == 63 && b[2] == 129 && b[3] == 16 => "a cloud metadata address",
                >= 224 and <= 239 => "a multicast address",
                255 when b[1] == 255 && b[2] == 255 && b[3] == 255 => "the broadcast address",
                _ => null,
            };
        }
        if (IPAddress.IPv6Loopback.Equals(address)) return "a loopback address";
        if (IPAddress.IPv6Any.Equals(address)) return "an unspecified address";
        if (address.IsIPv6LinkLocal || address.IsIPv6SiteLocal) return "a link-local address";
        if (address.IsIPv6Multicast) return "a multicast address";
        // fd00:ec2::254, the metadata service of AWS over IPv6.
        if (address.Equals(IPAddress.Parse("fd00:ec2::254"))) return "a cloud metadata address";
        return null;
    }

    /// <summary>IPv4 carried inside IPv6 (::ffff:127.0.0.1, ::127.0.0.1, 64:ff9b::7f00:1) is judged as the IPv4 it reaches.</summary>
    private static IPAddress Canonical(IPAddress address)
    {
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return address;
        if (address.IsIPv4MappedToIPv6) return address.MapToIPv4();
        var b = address.GetAddressBytes();
        var compatible = b.AsSpan(0, 12).IndexOfAnyExcept((byte)0) < 0 && !IPAddress.IPv6Loopback.Equals(address) && !IPAddress.IPv6Any.Equals(address);
        var nat64 = b[0] == 0 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b.AsSpan(4, 8).IndexOfAnyExcept((byte)0) < 0;
        return compatible || nat64 ? new IPAddress(b.AsSpan(12, 4)) : address;
    }

    /// <summary>The host as typed, without brackets, a trailing dot or white space.</summary>
    private static string Normalize(string? typed)
    {
        var host = (typed ?? "").Trim();
        if (host.StartsWith('[') && host.EndsWith(']')) host = host[1..^1];
        return host.TrimEnd('.');
    }

    /// <summary>The address a host literal stands for, in every spelling the system's resolver accepts.</summary>
    private static IPAddress? Literal(string host) =>
        IPAddress.TryParse(host, out var address) ? address : null;
}
