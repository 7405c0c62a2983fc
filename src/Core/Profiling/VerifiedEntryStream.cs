using System.IO.Hashing;

using Enclave.Core.IO;

namespace Enclave.Core.Profiling;

/// <summary>
/// Reads one ZIP entry and, when it ends, checks the CRC-32 and length against the central directory. ZipArchive checks
/// neither: it stops silently at the declared size, so an entry whose sizes lie, or whose data is corrupt but still
/// inflates, would otherwise be profiled from the wrong bytes.
/// </summary>
internal sealed class VerifiedEntryStream(Stream inner, long declaredLength, uint declaredCrc) : ReadOnlyStream
{
    private readonly Crc32 crc = new();
    private long length;

    public override int Read(Span<byte> buffer)
    {
        int read = inner.Read(buffer);
        Account(buffer[..read]);
        return read;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int read = await inner.ReadAsync(buffer, cancellationToken);
        Account(buffer.Span[..read]);
        return read;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private void Account(ReadOnlySpan<byte> data)
    {
        if (!data.IsEmpty)
        {
            length += data.Length;
            crc.Append(data);
            return;
        }

        if (length != declaredLength || crc.GetCurrentHashAsUInt32() != declaredCrc)
        {
            throw new ProfileRejectedException("The entry is damaged: its size or checksum does not match the archive directory.");
        }
    }
}
