using System.IO.Compression;

namespace Enclave.Core.Profiling;

/// <summary>
/// A gzip-compressed CSV, TSV or JSON lines file, decompressed as it is read. The <see cref="ReadGuard"/> measures the
/// decompressed bytes against the compressed bytes actually consumed, so the size and ratio bounds of a ZIP apply to
/// the whole stream (every member of a multi-member file included); the header's declared size is never consulted.
/// </summary>
internal static class GzipProfiler
{
    public static async Task<FileProfile> ProfileAsync(SourceStream compressed, FileKind kind, ProfileLimits limits, CancellationToken cancellationToken)
    {
        var guard = new ReadGuard(limits, compressed);
        guard.BeginEntry(long.MaxValue);
        try
        {
            await using var content = new GZipStream(compressed, CompressionMode.Decompress, leaveOpen: true);
            return new FileProfile([await TextTable.ReadAsync(content, Inner(kind), "", guard, limits, cancellationToken)]);
        }
        catch (InvalidDataException) when (compressed.Fault is null)
        {
            throw new ProfileRejectedException("The gzip data is damaged or is not gzip.");
        }
    }

    private static FileKind Inner(FileKind kind) => kind switch
    {
        FileKind.CsvGzip => FileKind.Csv,
        FileKind.TsvGzip => FileKind.Tsv,
        FileKind.JsonLinesGzip => FileKind.JsonLines,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Not a gzip text format."),
    };
}
