using System.Globalization;

namespace Enclave.Core.Profiling;

/// <summary>
/// Counts the text bytes that actually come out of the content (after decompression, for a ZIP) and stops the work as
/// soon as a bound is crossed. Declared sizes in a ZIP are never consulted: a bomb can lie about them.
/// </summary>
internal sealed class ReadGuard(ProfileLimits limits, SourceStream? compressed)
{
    private long entryBytes;
    private long entryCompressedStart;
    private long entryCompressedDeclared;

    public long TotalBytes { get; private set; }

    /// <summary>Starts counting a ZIP entry. Its compressed bytes are those read from the archive from now on.</summary>
    public void BeginEntry(long declaredCompressedLength)
    {
        entryBytes = 0;
        entryCompressedStart = compressed?.BytesRead ?? 0;
        entryCompressedDeclared = declaredCompressedLength;
    }

    public void Add(int bytes)
    {
        TotalBytes += bytes;
        entryBytes += bytes;
        if (TotalBytes > limits.MaxUncompressedBytes)
        {
            throw new ProfileRejectedException(
                $"The data is larger than the limit of {Sizes.Format(limits.MaxUncompressedBytes)}.");
        }

        if (compressed is null)
        {
            return;
        }

        // The archive stream is read through the entry's bounded sub-stream, so an entry cannot consume more than its
        // declared compressed length; read-ahead can make the count a little larger, which only errs towards passing.
        long entryCompressed = Math.Max(1, Math.Min(compressed.BytesRead - entryCompressedStart, entryCompressedDeclared));
        if (entryBytes > limits.RatioSlackBytes && entryBytes > limits.MaxCompressionRatio * entryCompressed)
        {
            throw new ProfileRejectedException(
                $"The entry is compressed more than {Ratio()}:1, which is not accepted.");
        }

        if (TotalBytes > limits.RatioSlackBytes && TotalBytes > limits.MaxCompressionRatio * Math.Max(1, compressed.BytesRead))
        {
            throw new ProfileRejectedException($"The archive is compressed more than {Ratio()}:1, which is not accepted.");
        }
    }

    private string Ratio() => limits.MaxCompressionRatio.ToString("0.#", CultureInfo.InvariantCulture);
}
