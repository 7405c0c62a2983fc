using System.Text.Json;
using Enclave.Core.Configuration;
using Enclave.Core.Profiling;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Enclave.Core.Uploads;

/// <summary>
/// Checks and profiles one uploaded file, outside any user request. Idempotent: a redelivered event finds
/// the upload settled and does nothing. A file that fails the checks ends rejected with a reason; a
/// processing failure is retried by the event source, and after <see cref="MaxAttempts"/> the upload is
/// rejected so a poison file never loops.
/// </summary>
public sealed partial class UploadProcessor(
    IUploadStore uploads,
    IObjectStore objects,
    IOptions<LimitsOptions> limits,
    ILogger<UploadProcessor> logger)
{
    public const int MaxAttempts = 3;

    /// <summary>Throws only when a dependency failed; the event source then delivers the event again.</summary>
    public async Task ProcessAsync(string ownerId, string sessionId, string uploadId, CancellationToken cancellationToken)
    {
        if (await uploads.ClaimForProcessingAsync(ownerId, sessionId, uploadId, cancellationToken) is not var (upload, attempts))
        {
            LogSkipped(logger, uploadId);
            return;
        }

        if (attempts > MaxAttempts)
        {
            // Settle first: whatever keeps failing (storage, most likely) must not keep the upload looping.
            await uploads.FinishProcessingAsync(ownerId, upload, UploadStatus.Rejected, "The file could not be processed.", cancellationToken);
            await TryDeleteOriginalAsync(ownerId, upload, cancellationToken);
            LogProcessed(logger, uploadId, UploadStatus.Rejected);
            return;
        }

        var key = UploadKeys.Original(ownerId, sessionId, uploadId);
        var kind = FileTypes.KindOf(upload.FileName) ?? throw new InvalidDataException("Upload of an unknown kind.");
        var size = upload.Size ?? throw new InvalidDataException("Uploaded file without a size.");
        // Only the version complete checked: a later write through an old form is never read.
        var version = upload.VersionId ?? throw new InvalidDataException("Uploaded file without a pinned version.");
        ProfileOutcome outcome;
        await using (var content = kind == FileKind.Zip ? objects.OpenRead(key, version, size) : await objects.OpenSequentialAsync(key, version, cancellationToken))
        {
            outcome = await FileProfiler.ProfileAsync(content, kind, ProfileLimits(), cancellationToken);
        }

        switch (outcome)
        {
            case ProfileOutcome.Ready ready:
                var json = JsonSerializer.SerializeToUtf8Bytes(ready.Profile, ProfileJsonContext.Default.FileProfile);
                await objects.PutAsync(UploadKeys.Profile(ownerId, sessionId, uploadId), json, "application/json", cancellationToken);
                if (!await uploads.FinishProcessingAsync(ownerId, upload, UploadStatus.Ready, null, cancellationToken))
                {
                    // Deleted while we worked: take back what we wrote.
                    await objects.DeleteAsync(UploadKeys.Profile(ownerId, sessionId, uploadId), cancellationToken);
                }

                LogProcessed(logger, uploadId, UploadStatus.Ready);
                break;
            case ProfileOutcome.Rejected rejected:
                await RejectAsync(ownerId, upload, rejected.Reason, cancellationToken);
                break;
        }
    }

    private async Task RejectAsync(string ownerId, Upload upload, string reason, CancellationToken cancellationToken)
    {
        await objects.DeleteAsync(UploadKeys.Original(ownerId, upload.SessionId, upload.UploadId), cancellationToken);
        await uploads.FinishProcessingAsync(ownerId, upload, UploadStatus.Rejected, reason, cancellationToken);
        LogProcessed(logger, upload.UploadId, UploadStatus.Rejected);
    }

    private async Task TryDeleteOriginalAsync(string ownerId, Upload upload, CancellationToken cancellationToken)
    {
        try
        {
            await objects.DeleteAsync(UploadKeys.Original(ownerId, upload.SessionId, upload.UploadId), cancellationToken);
        }
        catch (Exception ex) when (ex is Amazon.Runtime.AmazonClientException or Amazon.Runtime.AmazonServiceException or HttpRequestException
                                       or TimeoutException or OperationCanceledException)
        {
            // The session's expiry rule removes it later; the upload is already rejected.
            LogCleanupDeferred(logger, upload.UploadId);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not delete the file of rejected upload {UploadId}; expiry will")]
    private static partial void LogCleanupDeferred(ILogger logger, string uploadId);

    /// <summary>Ten times the largest file either way of uploading takes, so a ZIP of the largest size still fits.</summary>
    private ProfileLimits ProfileLimits() => new()
    {
        MaxUncompressedBytes = Math.Max(Math.Max(limits.Value.MaxUploadBytes, limits.Value.MaxMultipartUploadBytes) * 10, 1L << 30),
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Upload {UploadId} needs no processing")]
    private static partial void LogSkipped(ILogger logger, string uploadId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Upload {UploadId} processed: {Status}")]
    private static partial void LogProcessed(ILogger logger, string uploadId, string status);
}
