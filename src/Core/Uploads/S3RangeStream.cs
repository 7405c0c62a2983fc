using Amazon.S3;
using Amazon.S3.Model;

namespace Enclave.Core.Uploads;

/// <summary>
/// A read-only seekable stream over one version of one S3 object, fetched in blocks with ranged GETs: a ZIP's central
/// directory can be read from the end without downloading the file or writing it anywhere.
/// </summary>
public sealed class S3RangeStream(IAmazonS3 s3, string bucket, string key, string versionId, long length, int blockSize = 1 << 20) : Stream
{
    private byte[] block = [];
    private long blockStart = -1;
    private long position;

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position
    {
        get => position;
        set => position = value is >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
    }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (position >= length || buffer.Length == 0)
        {
            return 0;
        }

        if (blockStart < 0 || position < blockStart || position >= blockStart + block.Length)
        {
            await FetchAsync(position, cancellationToken);
        }

        var available = (int)Math.Min(buffer.Length, blockStart + block.Length - position);
        block.AsMemory((int)(position - blockStart), available).CopyTo(buffer);
        position += available;
        return available;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => position + offset,
        _ => length + offset,
    };

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private async Task FetchAsync(long start, CancellationToken cancellationToken)
    {
        var end = Math.Min(length, start + blockSize) - 1;
        using var response = await s3.GetObjectAsync(
            new GetObjectRequest { BucketName = bucket, Key = key, VersionId = versionId, ByteRange = new ByteRange(start, end) },
            cancellationToken);
        var data = new byte[end - start + 1];
        await response.ResponseStream.ReadExactlyAsync(data, cancellationToken);
        block = data;
        blockStart = start;
    }
}
