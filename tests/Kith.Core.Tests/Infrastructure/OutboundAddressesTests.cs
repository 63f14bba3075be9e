using System.Net;
using System.Net.Sockets;
using Kith.Core.Infrastructure;

namespace Kith.Core.Tests.Infrastructure;

/// <summary>The outbound address policy (ADR-0019) against a DNS server that changes its answer between check and connection.</summary>
public sealed class OutboundAddressesTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ANameThatPassedWhenTypedAndThenRebindsToLoopbackIsRefusedAtConnectTimeWithoutConnecting()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            var answers = new Queue<IPAddress[]>([[IPAddress.Parse("::ffff:127.0.0.1")], [IPAddress.Parse("169.254.169.254"), IPAddress.Loopback]]);
            var outbound = new OutboundAddresses(resolve: (_, _) => Task.FromResult(answers.Dequeue()));

            // Typed, the name passes (it was public when an administrator saved it); its answers now lead here.
            Assert.Null(outbound.Refusal("mail.rebind.example"));
            var second = await Assert.ThrowsAsync<OutboundAddressRefused>(() => outbound.ConnectAsync("mail.rebind.example", port, Ct));
            var third = await Assert.ThrowsAsync<OutboundAddressRefused>(() => outbound.ConnectAsync("mail.rebind.example", port, Ct));

            Assert.Contains("resolves to 127.0.0.1, a loopback address", second.Message);
            Assert.Contains("link-local", third.Message);
            Assert.False(listener.Pending());
        }
        finally
        {
            listener.Stop();
        }
    }

    [Fact]
    public async Task AnAllowedNameOrAddressConnectsToLoopbackAndNothingElseIsAllowedWithIt()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            var byAddress = new OutboundAddresses(["127.0.0.1"]);
            var byName = new OutboundAddresses(["mail.internal"], (_, _) => Task.FromResult(new[] { IPAddress.Loopback }));

            using (await byAddress.ConnectAsync("127.0.0.1", port, Ct)) { }
            using (await byAddress.ConnectAsync("0x7f000001", port, Ct)) { }
            using (await byName.ConnectAsync("mail.internal", port, Ct)) { }

            Assert.NotNull(byAddress.Refusal("127.0.0.2"));
            Assert.NotNull(byAddress.Refusal("::1"));
            Assert.NotNull(byName.Refusal("localhost"));
            Assert.Null(byName.Refusal("MAIL.internal."));
        }
        finally
        {
            listener.Stop();
        }
    }

    [Theory]
    [InlineData("127.0.0.1", "a loopback address")]
    [InlineData("::1", "a loopback address")]
    [InlineData("0.0.0.0", "an unspecified address")]
    [InlineData("169.254.169.254", "a link-local address (cloud metadata lives there)")]
    [InlineData("fe80::1", "a link-local address")]
    [InlineData("fd00:ec2::254", "a cloud metadata address")]
    [InlineData("10.1.2.3", null)]
    [InlineData("192.168.0.1", null)]
    [InlineData("8.8.8.8", null)]
    [InlineData("2001:db8::1", null)]
    public void EachAddressHasItsKind(string address, string? kind) =>
        Assert.Equal(kind, OutboundAddresses.Kind(IPAddress.Parse(address)));
}
