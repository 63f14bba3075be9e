using System.Buffers;
using System.IO.Compression;
using System.Text;
using System.Xml;
using static System.FormattableString;

namespace Kith.Core.Importing.Files;

/// <summary>
/// Checks an XLSX before MiniExcel opens it, since a zip and the XML inside it are where hostile workbooks hide:
/// <list type="bullet">
/// <item>a zip bomb: declared sizes summing past <see cref="TabularOptions.MaxXlsxUncompressedBytes"/>, a big part
/// compressed more than <see cref="MaxRatio"/>:1 (sheets compress 5–30:1; zeros 1000:1), or a part that inflates to
/// more than its header declares (the sizes in a zip are the writer's word, so the bytes are counted too);</item>
/// <item>a DTD: any XML part with a DOCTYPE or ENTITY declaration (external entities, billion laughs) is refused,
/// whatever MiniExcel's XML settings would have done with it;</item>
/// <item>a zip that is no workbook (no <c>xl/workbook.xml</c>).</item>
/// </list>
/// It inflates every XML part once to look at it; that is the price of trusting no declared size.
/// </summary>
internal static class XlsxGuard
{
    public const int MaxRatio = 200;
    private const long BigPart = 10L << 20;
    private const int MaxEntries = 10_000;

    public static void Check(Stream stream, long maxUncompressed)
    {
        ZipArchive zip;
        try
        {
            zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (InvalidDataException e)
        {
            throw Damaged(e);
        }
        using (zip)
        {
            var entries = zip.Entries;
            if (entries.Count > MaxEntries)
            {
                throw new TabularFileException(Invariant($"this zip archive has {entries.Count:N0} parts, more than any workbook; it is not read"));
            }
            long declared = 0;
            foreach (var entry in entries)
            {
                if (entry.Length < 0 || entry.Length > maxUncompressed - declared) throw Bomb(maxUncompressed);
                declared += entry.Length;
                if (entry.Length > BigPart && entry.Length / Math.Max(1, entry.CompressedLength) > MaxRatio)
                {
                    throw new TabularFileException(Invariant(
                        $"this XLSX looks like a zip bomb: its part {entry.FullName} is compressed {entry.Length / Math.Max(1, entry.CompressedLength):N0}:1 (at most {MaxRatio}:1 is read)"));
                }
            }
            if (!entries.Any(e => string.Equals(e.FullName.TrimStart('/'), "xl/workbook.xml", StringComparison.OrdinalIgnoreCase)))
            {
                throw new TabularFileException("this is a zip archive but not an XLSX workbook (it has no xl/workbook.xml); save the sheet as .xlsx or CSV");
            }
            long inflated = 0;
            var formulas = new HashSet<string>(StringComparer.Ordinal);
            foreach (var entry in entries)
            {
                if (IsXml(entry.FullName)) inflated = ScanPart(entry, inflated, maxUncompressed, formulas);
            }
            XlsxFormulas.Check(zip, formulas);
        }
    }

    private static bool IsXml(string name) =>
        name.EndsWith(".xml", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".rels", StringComparison.OrdinalIgnoreCase)
        || name.EndsWith(".vml", StringComparison.OrdinalIgnoreCase);

    /// <summary>Inflates one part, counting its bytes, and looks for a DTD: a byte search where the part is UTF-8 (all
    /// Excel writes), an XmlReader that prohibits DTDs where it declares another encoding. A worksheet in which the
    /// search meets "f&gt;" (the end of a formula element) goes into <paramref name="formulas"/> for
    /// <see cref="XlsxFormulas"/>.</summary>
    private static long ScanPart(ZipArchiveEntry entry, long inflated, long maxUncompressed, HashSet<string> formulas)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            using var part = new CountedStream(Open(entry), entry, inflated, maxUncompressed);
            var first = ReadFull(part, buffer, 0, 512);
            var sheet = entry.FullName.StartsWith("xl/worksheets/", StringComparison.OrdinalIgnoreCase);
            if (!IsUtf8Xml(buffer.AsSpan(0, first)))
            {
                ScanWithXmlReader(entry, inflated, maxUncompressed);
                part.ReadToEnd(buffer);
                if (sheet) formulas.Add(entry.FullName);
                return part.Total;
            }
            // The patterns are 9 bytes at most: keep the last 8 of each read so one cut in two is still seen.
            const int keep = 8;
            var length = first;
            while (true)
            {
                var span = buffer.AsSpan(0, length);
                if (span.IndexOf("<!DOCTYPE"u8) >= 0 || span.IndexOf("<!ENTITY"u8) >= 0) throw Dtd(entry);
                if (sheet && span.IndexOf("f>"u8) >= 0) formulas.Add(entry.FullName);
                var carry = Math.Min(keep, length);
                span[^carry..].CopyTo(buffer);
                var n = part.Read(buffer, carry, buffer.Length - carry);
                if (n == 0) break;
                length = carry + n;
            }
            return part.Total;
        }
        catch (InvalidDataException e)
        {
            throw Damaged(e);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static void ScanWithXmlReader(ZipArchiveEntry entry, long inflated, long maxUncompressed)
    {
        using var part = new CountedStream(Open(entry), entry, inflated, maxUncompressed);
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, CloseInput = false };
        try
        {
            using var reader = XmlReader.Create(part, settings);
            while (reader.Read())
            {
                if (reader.NodeType == XmlNodeType.DocumentType) throw Dtd(entry);
            }
        }
        catch (XmlException e)
        {
            throw new TabularFileException(
                $"the XLSX part {entry.FullName} cannot be read safely: it declares a DTD or is not well-formed XML ({e.Message})", null, null, e);
        }
    }

    /// <summary>UTF-8 (with or without its byte order mark) and an XML declaration that names no other encoding.</summary>
    private static bool IsUtf8Xml(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith("\uFEFF"u8)) head = head[3..];
        if (head.IsEmpty) return true;
        if (head[0] != (byte)'<') return false;
        if (!head.StartsWith("<?xml"u8)) return true;
        var end = head.IndexOf("?>"u8);
        if (end < 0) return false;
        var declaration = Encoding.ASCII.GetString(head[..end]);
        var at = declaration.IndexOf("encoding", StringComparison.Ordinal);
        if (at < 0) return true;
        var value = declaration[(at + "encoding".Length)..].TrimStart(' ', '=', '"', '\'');
        var name = value[..Math.Max(0, value.IndexOfAny(['"', '\'']))];
        return name.ToLowerInvariant() is "utf-8" or "utf8" or "us-ascii" or "ascii";
    }

    private static Stream Open(ZipArchiveEntry entry)
    {
        try
        {
            return entry.Open();
        }
        catch (NotSupportedException e)
        {
            // An encrypted or unusually compressed part.
            throw new TabularFileException($"the XLSX part {entry.FullName} cannot be read ({e.Message})", null, null, e);
        }
    }

    private static int ReadFull(Stream s, byte[] buffer, int offset, int count)
    {
        var total = 0;
        while (total < count)
        {
            var n = s.Read(buffer, offset + total, count - total);
            if (n == 0) break;
            total += n;
        }
        return total;
    }

    private static TabularFileException Bomb(long max) =>
        new(Invariant($"this XLSX looks like a zip bomb: it would expand to more than {max:N0} bytes"));

    private static TabularFileException Dtd(ZipArchiveEntry entry) =>
        new($"this XLSX is refused: its part {entry.FullName} declares a DTD (DOCTYPE or ENTITY), which workbooks never need and attacks use");

    private static TabularFileException Damaged(Exception e) =>
        new($"this file starts like an XLSX (a zip archive) but is damaged: {e.Message}", null, null, e);

    /// <summary>Counts inflated bytes and stops at the part's declared size plus one and at the workbook's limit.</summary>
    private sealed class CountedStream(Stream inner, ZipArchiveEntry entry, long before, long max) : Stream
    {
        private long _read;

        public long Total => before + _read;

        public void ReadToEnd(byte[] buffer)
        {
            while (Read(buffer, 0, buffer.Length) > 0) { }
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = inner.Read(buffer, offset, count);
            _read += n;
            if (_read > entry.Length)
            {
                throw new TabularFileException(
                    $"this XLSX looks like a zip bomb: its part {entry.FullName} inflates to more than the size its zip header declares");
            }
            if (Total > max) throw Bomb(max);
            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _read; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
