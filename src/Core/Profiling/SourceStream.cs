using Enclave.Core.IO;

namespace Enclave.Core.Profiling;

/// <summary>
/// Wraps the caller's stream, read-only. It counts the bytes actually read (compressed bytes, for a ZIP, which is what
/// the compression ratio is measured against) and keeps the first exception the stream itself threw: ZipArchive wraps
/// those in InvalidDataException, and the profiler must rethrow the original I/O fault or cancellation rather than
/// call the content damaged. Seeks outside the stream are content faults (an offset in the archive points nowhere)
/// and are refused here, before the inner stream could report them as I/O errors.
/// </summary>
internal sealed class SourceStream(Stream inner) : ReadOnlyStream
{
    public long BytesRead { get; private set; }

    public Exception? Fault { get; private set; }

    public override bool CanSeek => inner.CanSeek;

    public override long Length => Guard(() => inner.Length);

    public override long Position
    {
        get => Guard(() => inner.Position);
        set => Seek(value, SeekOrigin.Begin);
    }

    public override int Read(Span<byte> buffer)
    {
        int read;
        try
        {
            read = inner.Read(buffer);
        }
        catch (Exception ex)
        {
            Fault ??= ex;
            throw;
        }

        BytesRead += read;
        return read;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int read;
        try
        {
            read = await inner.ReadAsync(buffer, cancellationToken);
        }
        catch (Exception ex)
        {
            Fault ??= ex;
            throw;
        }

        BytesRead += read;
        return read;
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        long target = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => Position + offset,
            _ => Length + offset,
        };
        if (target < 0 || target > Length)
        {
            throw new InvalidDataException("An offset in the content points outside it.");
        }

        return Guard(() => inner.Seek(target, SeekOrigin.Begin));
    }

    private T Guard<T>(Func<T> action)
    {
        try
        {
            return action();
        }
        catch (Exception ex)
        {
            Fault ??= ex;
            throw;
        }
    }
}
