using System.Threading.Channels;

namespace Kith.Core.Segments;

/// <summary>Asks the segment worker to refresh a segment soon (after it is saved), without making the save wait for it.</summary>
public sealed class SegmentSignal
{
    private readonly Channel<long> _channel = Channel.CreateUnbounded<long>(new UnboundedChannelOptions { SingleReader = true });

    public void Refresh(long segmentId) => _channel.Writer.TryWrite(segmentId);

    public ChannelReader<long> Requests => _channel.Reader;
}
