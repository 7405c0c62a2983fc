using Enclave.Core.Audit;
using Enclave.Core.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Enclave.Core.Uploads;

/// <summary>
/// Settles what storage holds for one upload once no form can write any more (SPEC §4): a pending upload becomes
/// expired and loses its objects; a checked one keeps only its pinned version; a rejected, expired or deleted one
/// keeps nothing. Runs with the owner's scoped credentials; a failure leaves the entry for the next sweep.
/// </summary>
public sealed partial class UploadSweeper(IUploadStore uploads, IObjectStore objects, IAccessLog accessLog, IOptions<LimitsOptions> limits,
    TimeProvider clock, ILogger<UploadSweeper> logger)
{
    /// <summary>
    /// An incomplete multipart upload lives only while its upload item is pending, names it, and its window is open.
    /// Anything else (no item, a deleted, settled or expired upload, another storage upload id) is aborted, with a record.
    /// </summary>
    public async Task SweepMultipartAsync(OpenMultipartUpload open, CancellationToken cancellationToken)
    {
        var upload = await uploads.PeekAsync(open.OwnerId, open.SessionId, open.UploadId, cancellationToken);
        var live = upload is { Status: UploadStatus.Pending, Multipart: { } plan } && plan.S3UploadId == open.S3UploadId &&
                   clock.GetUtcNow() < upload.CreatedAt.AddHours(limits.Value.MultipartWindowHours);
        if (live)
        {
            return;
        }

        await objects.AbortMultipartAsync(UploadKeys.Original(open.OwnerId, open.SessionId, open.UploadId), open.S3UploadId, cancellationToken);
        await accessLog.WriteAsync(
            new AccessEvent("upload.sweep", AccessOutcome.Allowed, upload is null ? "multipart-orphan" : "multipart-" + upload.Status, open.SessionId, open.UploadId, open.OwnerId),
            cancellationToken);
        LogAborted(logger, open.UploadId, upload?.Status ?? "none");
    }

    public async Task SweepAsync(SweepEntry entry, CancellationToken cancellationToken)
    {
        var (owner, session, uploadId) = (entry.OwnerId, entry.SessionId, entry.UploadId);
        var prefix = UploadKeys.UploadPrefix(owner, session, uploadId);
        if (entry.Tombstone)
        {
            var strays = await objects.DeletePrefixAsync(prefix, cancellationToken);
            await uploads.FinishSweepAsync(entry, cancellationToken);
            LogSwept(logger, uploadId, UploadStatus.Deleting, strays);
            return;
        }

        if (await uploads.FindAsync(owner, session, uploadId, "upload.sweep", cancellationToken) is not { } upload)
        {
            // Being deleted: the delete removes the objects and leaves a tombstone if a form could still write.
            return;
        }

        if (upload.Status == UploadStatus.Pending)
        {
            if (!await uploads.ExpireAsync(owner, upload, cancellationToken))
            {
                return; // Completed meanwhile: the next sweep judges the new status.
            }

            upload = upload with { Status = UploadStatus.Expired };
        }

        if (upload.Multipart is { } open && upload.Status is UploadStatus.Expired or UploadStatus.Rejected)
        {
            await objects.AbortMultipartAsync(UploadKeys.Original(owner, session, uploadId), open.S3UploadId, cancellationToken);
        }

        var removed = upload.Status switch
        {
            UploadStatus.Uploaded or UploadStatus.Processing or UploadStatus.Ready => upload.VersionId is { } pinned
                ? await objects.DeleteVersionsExceptAsync(UploadKeys.Original(owner, session, uploadId), pinned, cancellationToken)
                : 0,
            _ => await objects.DeletePrefixAsync(prefix, cancellationToken),
        };
        await uploads.FinishSweepAsync(entry, cancellationToken);
        LogSwept(logger, uploadId, upload.Status, removed);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Aborted the incomplete multipart upload of upload {UploadId} (item: {Status})")]
    private static partial void LogAborted(ILogger logger, string uploadId, string status);

    [LoggerMessage(Level = LogLevel.Information, Message = "Swept upload {UploadId} ({Status}): {Removed} object versions removed")]
    private static partial void LogSwept(ILogger logger, string uploadId, string status, int removed);
}
