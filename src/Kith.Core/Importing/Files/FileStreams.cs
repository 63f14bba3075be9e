namespace Kith.Core.Importing.Files;

/// <summary>
/// The file's bytes from <paramref name="start"/> on: first the head already read to sniff the format and encoding,
/// then the rest of the source. Works for a source that cannot seek (an upload), and counts what it hands out so
/// <see cref="TabularFile.Position"/> can drive a progress bar.
/// </summary>
internal sealed class ReplayStream(byte[] head, int start, int headLength, Stream rest, bool ownsRest) : Stream
{
    private byte[]? _head = head;
    private int _offset = start;
    private long _position = start;

    public long BytesRead => Volatile.Read(ref _position);

    public override int Read(Span<byte> buffer)
    {
        int n;
        if (_head is not null && _offset < headLength)
        {
            n = Math.Min(buffer.Length, headLength - _offset);
            _head.AsSpan(_offset, n).CopyTo(buffer);
            _offset += n;
        }
        else
        {
            // The head is done with: let a large one go before the long read of the rest.
            _head = null;
            n = rest.Read(buffer);
        }
        Volatile.Write(ref _position, _position + n);
        return n;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => BytesRead; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && ownsRest) rest.Dispose();
        base.Dispose(disposing);
    }
}

/// <summary>
/// A seekable stream that counts how many distinct bytes of it have been read, for progress: a zip reader jumps to the
/// central directory at the end first and reads the shared strings before the sheet, so the furthest position read
/// says little, while the bytes covered grow steadily as the sheet is inflated and never go back.
/// </summary>
internal sealed class CoveredReadStream(Stream inner) : Stream
{
    // Read ranges, sorted and merged: one or two per zip part, so a short list.
    private readonly List<(long Start, long End)> _ranges = [];
    private long _covered;

    public long Covered => Volatile.Read(ref _covered);

    public override int Read(Span<byte> buffer)
    {
        var start = inner.Position;
        var n = inner.Read(buffer);
        if (n > 0) Cover(start, start + n);
        return n;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    private void Cover(long start, long end)
    {
        var i = 0;
        while (i < _ranges.Count && _ranges[i].End < start) i++;
        var added = end - start;
        while (i < _ranges.Count && _ranges[i].Start <= end)
        {
            var (s, e) = _ranges[i];
            added -= Math.Min(e, end) - Math.Max(s, start);
            start = Math.Min(start, s);
            end = Math.Max(end, e);
            _ranges.RemoveAt(i);
        }
        _ranges.Insert(i, (start, end));
        if (added > 0) Volatile.Write(ref _covered, _covered + added);
    }

    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => false;
    public override long Length => inner.Length;
    public override long Position { get => inner.Position; set => inner.Position = value; }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
