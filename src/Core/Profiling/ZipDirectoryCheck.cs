using System.Buffers.Binary;

namespace Enclave.Core.Profiling;

/// <summary>
/// Reads the end-of-central-directory record (and its ZIP64 form) and refuses an archive that declares more entries,
/// or a larger central directory, than the limits allow — before <see cref="System.IO.Compression.ZipArchive"/> builds
/// an object per entry. A 100 MiB upload could otherwise declare two million entries.
/// </summary>
internal static class ZipDirectoryCheck
{
    private const int EndRecordSize = 22;
    private const int MaxCommentLength = ushort.MaxValue;
    private const uint EndSignature = 0x06054b50;
    private const uint Zip64LocatorSignature = 0x07064b50;
    private const uint Zip64EndSignature = 0x06064b50;

    /// <summary>Generous room per entry for the fixed header, a 255-character UTF-8 name, extra fields and a comment.</summary>
    private const long MaxDirectoryBytesPerEntry = 2048;

    public static async Task CheckAsync(Stream archive, ProfileLimits limits, CancellationToken cancellationToken)
    {
        long length = archive.Length;
        if (length < EndRecordSize)
        {
            throw NotZip();
        }

        // Most archives have no comment, so the end record (and a ZIP64 locator before it) is in the last few bytes;
        // only otherwise read the whole window a comment could occupy.
        const int shortTail = 128;
        byte[] tail = await ReadTailAsync(archive, (int)Math.Min(length, shortTail), cancellationToken);
        int end = FindEndRecord(tail);
        if (end < 0 && length > shortTail)
        {
            tail = await ReadTailAsync(archive, (int)Math.Min(length, EndRecordSize + MaxCommentLength), cancellationToken);
            end = FindEndRecord(tail);
        }

        if (end < 0)
        {
            throw NotZip();
        }

        var record = tail.AsSpan(end);
        ulong entries = BinaryPrimitives.ReadUInt16LittleEndian(record[10..]);
        ulong directorySize = BinaryPrimitives.ReadUInt32LittleEndian(record[12..]);
        bool zip64 = entries == ushort.MaxValue || directorySize == uint.MaxValue ||
                     BinaryPrimitives.ReadUInt32LittleEndian(record[16..]) == uint.MaxValue;
        if (zip64 && end >= 20 && BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(end - 20)) == Zip64LocatorSignature)
        {
            long zip64End = BinaryPrimitives.ReadInt64LittleEndian(tail.AsSpan(end - 20 + 8));
            if (zip64End < 0 || zip64End > length - 56)
            {
                throw NotZip();
            }

            byte[] zip64Record = new byte[56];
            archive.Seek(zip64End, SeekOrigin.Begin);
            await archive.ReadExactlyAsync(zip64Record, cancellationToken);
            if (BinaryPrimitives.ReadUInt32LittleEndian(zip64Record) != Zip64EndSignature)
            {
                throw NotZip();
            }

            entries = BinaryPrimitives.ReadUInt64LittleEndian(zip64Record.AsSpan(32));
            directorySize = BinaryPrimitives.ReadUInt64LittleEndian(zip64Record.AsSpan(40));
        }

        if (entries > (ulong)limits.MaxZipEntries)
        {
            throw new ProfileRejectedException($"The archive has more than {limits.MaxZipEntries} entries.");
        }

        if (directorySize > (ulong)(limits.MaxZipEntries * MaxDirectoryBytesPerEntry))
        {
            throw new ProfileRejectedException("The archive's directory is larger than its entries can need.");
        }

        archive.Seek(0, SeekOrigin.Begin);
    }

    private static async Task<byte[]> ReadTailAsync(Stream archive, int count, CancellationToken cancellationToken)
    {
        byte[] tail = new byte[count];
        archive.Seek(archive.Length - count, SeekOrigin.Begin);
        await archive.ReadExactlyAsync(tail, cancellationToken);
        return tail;
    }

    // Like ZipArchive, take the last signature in the tail, so both read the same record.
    private static int FindEndRecord(ReadOnlySpan<byte> tail)
    {
        for (int i = tail.Length - EndRecordSize; i >= 0; i--)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(tail[i..]) == EndSignature)
            {
                return i;
            }
        }

        return -1;
    }

    private static ProfileRejectedException NotZip() => new("The file is not a ZIP archive.");
}
