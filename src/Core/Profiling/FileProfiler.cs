using System.Runtime.ExceptionServices;

namespace Enclave.Core.Profiling;

/// <summary>
/// Checks and profiles an uploaded file in one front-to-back pass with memory bounded by the limits, not the file.
/// It knows nothing of where the bytes come from and never writes anything anywhere.
/// </summary>
public static class FileProfiler
{
    /// <summary>
    /// Profiles <paramref name="content"/>. Bad content of any kind gives <see cref="ProfileOutcome.Rejected"/>; the only
    /// exceptions are <see cref="OperationCanceledException"/>, failures of the stream itself (usually
    /// <see cref="IOException"/>), and argument errors. For <see cref="FileKind.Zip"/> the stream must be seekable
    /// (in production, ranged reads of the stored object): the central directory is read first.
    /// </summary>
    public static async Task<ProfileOutcome> ProfileAsync(Stream content, FileKind kind, ProfileLimits limits, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(limits);
        limits.Validate();
        if (!Enum.IsDefined(kind))
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown file kind.");
        }

        if (kind == FileKind.Zip && !content.CanSeek)
        {
            throw new ArgumentException("A ZIP archive must be given as a seekable stream.", nameof(content));
        }

        var source = new SourceStream(content);
        try
        {
            var profile = kind switch
            {
                FileKind.Zip => await ZipProfiler.ProfileAsync(source, limits, cancellationToken),
                FileKind.CsvGzip or FileKind.TsvGzip or FileKind.JsonLinesGzip => await GzipProfiler.ProfileAsync(source, kind, limits, cancellationToken),
                _ => new FileProfile([await TextTable.ReadAsync(source, kind, "", new ReadGuard(limits, compressed: null), limits, cancellationToken)]),
            };
            return new ProfileOutcome.Ready(profile);
        }
        catch (Exception ex) when (source.Fault is { } fault && !ReferenceEquals(ex, fault))
        {
            // The stream failed (or was cancelled) and the ZIP reader wrapped it: surface the stream's own exception.
            ExceptionDispatchInfo.Throw(fault);
            throw; // not reached: Throw does not return, but flow analysis does not know
        }
        catch (ProfileRejectedException rejected)
        {
            return new ProfileOutcome.Rejected(rejected.Message);
        }
        catch (Exception ex) when (source.Fault is null && IsContentFault(ex))
        {
            // The ZIP reader's complaints about the archive structure; its text is not for users.
            return new ProfileOutcome.Rejected("The archive is damaged or uses an unsupported feature.");
        }
    }

    // Not from the stream (that is checked first), so from the ZIP reader judging the archive.
    private static bool IsContentFault(Exception ex) => ex is InvalidDataException or NotSupportedException or IOException;
}
