namespace Enclave.Core.Profiling;

/// <summary>Every bound the profiler enforces. Each one caps work or memory that a hostile file could otherwise grow.</summary>
public sealed record ProfileLimits
{
    /// <summary>Total bytes of text read, across all ZIP entries, counted as they are actually decompressed.</summary>
    public long MaxUncompressedBytes { get; init; } = 1L << 30;

    public int MaxZipEntries { get; init; } = 100;

    /// <summary>
    /// Decompressed bytes over compressed bytes actually consumed, per entry and overall. Only applied once more
    /// than <see cref="RatioSlackBytes"/> have come out, so tiny, very compressible entries pass.
    /// </summary>
    public double MaxCompressionRatio { get; init; } = 100;

    /// <summary>Longest CSV/TSV record (quoted newlines included) or JSON line, in bytes.</summary>
    public int MaxLineBytes { get; init; } = 1 << 20;

    public int MaxColumns { get; init; } = 500;

    public int TopValues { get; init; } = 10;

    /// <summary>
    /// Space-saving counters per column (the top-value memory budget, ≈ 200 bytes each): top values are exact while a
    /// column has at most this many distinct values, and carry proven bounds beyond.
    /// </summary>
    public int TopValueCounters { get; init; } = 2048;

    public int HistogramBins { get; init; } = 20;

    /// <summary>How deep a JSON line may nest objects and arrays, the line's own object included.</summary>
    public int MaxJsonDepth { get; init; } = 16;

    /// <summary>The compression ratio is not judged before this many bytes have been decompressed.</summary>
    public long RatioSlackBytes { get; init; } = 1 << 20;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxUncompressedBytes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxZipEntries);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxCompressionRatio, 1.0);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxLineBytes, 16);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxLineBytes, 1 << 28);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxColumns);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxColumns, 100_000);
        ArgumentOutOfRangeException.ThrowIfNegative(TopValues);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(TopValues, 1000);
        ArgumentOutOfRangeException.ThrowIfLessThan(TopValueCounters, Math.Max(TopValues, 1));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(TopValueCounters, 1 << 16);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(HistogramBins);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(HistogramBins, 1000);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxJsonDepth);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxJsonDepth, 256);
        ArgumentOutOfRangeException.ThrowIfNegative(RatioSlackBytes);
    }
}
