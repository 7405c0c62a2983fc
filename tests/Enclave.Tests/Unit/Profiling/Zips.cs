using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Enclave.Tests.Unit.Profiling;

/// <summary>Builds ZIPs in memory with System.IO.Compression and patches what it will not write.</summary>
internal static class Zips
{
    private const uint CentralHeader = 0x02014b50;
    private const uint LocalHeader = 0x04034b50;

    public static byte[] Text(params (string Name, string Content)[] entries) =>
        Create(CompressionLevel.Optimal, entries.Select(e => (e.Name, Encoding.UTF8.GetBytes(e.Content))).ToArray());

    public static byte[] Create(CompressionLevel level, params (string Name, byte[] Content)[] entries)
    {
        var output = new MemoryStream();
        using (var archive = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content) in entries)
            {
                using var stream = archive.CreateEntry(name, level).Open();
                stream.Write(content);
            }
        }

        return output.ToArray();
    }

    /// <summary>One entry whose content is <paramref name="chunk"/> repeated until <paramref name="totalBytes"/>, never held whole.</summary>
    public static byte[] Repeated(string name, string header, string chunk, long totalBytes)
    {
        var output = new MemoryStream();
        using (var archive = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var stream = archive.CreateEntry(name, CompressionLevel.SmallestSize).Open();
            stream.Write(Encoding.UTF8.GetBytes(header));
            byte[] block = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat(chunk, (1 << 20) / chunk.Length)));
            for (long written = 0; written < totalBytes; written += block.Length)
            {
                stream.Write(block);
            }
        }

        return output.ToArray();
    }

    /// <summary>Replaces an entry name (in its local header and the central directory) with raw bytes of the same length.</summary>
    public static byte[] Rename(byte[] zip, string placeholder, byte[] name)
    {
        Assert.Equal(Encoding.UTF8.GetByteCount(placeholder), name.Length);
        byte[] patched = (byte[])zip.Clone();
        int replaced = 0;
        ForEachHeader(patched, (header, nameOffset, nameLength) =>
        {
            if (patched.AsSpan(nameOffset, nameLength).SequenceEqual(Encoding.UTF8.GetBytes(placeholder)))
            {
                name.CopyTo(patched, nameOffset);
                replaced++;
            }
        });
        Assert.Equal(2, replaced);
        return patched;
    }

    /// <summary>Sets a general-purpose flag bit on every entry, e.g. bit 0 (encrypted).</summary>
    public static byte[] SetFlag(byte[] zip, ushort flag) => Patch(zip, (span, isCentral) =>
    {
        var field = span[(isCentral ? 8 : 6)..];
        BinaryPrimitives.WriteUInt16LittleEndian(field, (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(field) | flag));
    });

    public static byte[] SetMethod(byte[] zip, ushort method) =>
        Patch(zip, (span, isCentral) => BinaryPrimitives.WriteUInt16LittleEndian(span[(isCentral ? 10 : 8)..], method));

    public static byte[] SetCrc(byte[] zip, uint crc) =>
        Patch(zip, (span, isCentral) => BinaryPrimitives.WriteUInt32LittleEndian(span[(isCentral ? 16 : 14)..], crc));

    /// <summary>Makes every entry claim a different uncompressed size (the lie a zip bomb tells).</summary>
    public static byte[] DeclareSize(byte[] zip, uint size) =>
        Patch(zip, (span, isCentral) => BinaryPrimitives.WriteUInt32LittleEndian(span[(isCentral ? 24 : 22)..], size));

    private static byte[] Patch(byte[] zip, Action<Span<byte>, bool> patch)
    {
        byte[] patched = (byte[])zip.Clone();
        ForEachHeader(patched, (header, _, _) => patch(patched.AsSpan(header), BinaryPrimitives.ReadUInt32LittleEndian(patched.AsSpan(header)) == CentralHeader));
        return patched;
    }

    // Walks the central directory from the end record and visits each central header and the local header it points at.
    private static void ForEachHeader(byte[] zip, Action<int, int, int> visit)
    {
        int end = zip.AsSpan().LastIndexOf([(byte)0x50, (byte)0x4b, (byte)0x05, (byte)0x06]);
        int entries = BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(end + 10));
        int central = (int)BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(end + 16));
        for (int i = 0; i < entries; i++)
        {
            Assert.Equal(CentralHeader, BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(central)));
            int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(central + 28));
            int extraLength = BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(central + 30));
            int commentLength = BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(central + 32));
            int local = (int)BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(central + 42));
            Assert.Equal(LocalHeader, BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(local)));
            visit(central, central + 46, nameLength);
            visit(local, local + 30, BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(local + 26)));
            central += 46 + nameLength + extraLength + commentLength;
        }
    }
}

/// <summary>A seekable read-only stream that counts the bytes it hands out, to prove how much of an archive was read.</summary>
internal sealed class CountingStream(byte[] content) : Stream
{
    private readonly MemoryStream inner = new(content, writable: false);

    public long BytesRead { get; private set; }

    public long? FailAfter { get; init; }

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => inner.Length;

    public override long Position { get => inner.Position; set => inner.Position = value; }

    public override int Read(byte[] buffer, int offset, int count)
    {
        if (BytesRead >= FailAfter)
        {
            throw new IOException("The connection was reset.");
        }

        int read = inner.Read(buffer, offset, count);
        BytesRead += read;
        return read;
    }

    public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
