using Enclave.Core.Audit;
using Enclave.Core.Configuration;
using Enclave.Core.Ids;
using Enclave.Core.Sessions;
using Enclave.Core.Storage;
using Microsoft.Extensions.Options;

namespace Enclave.Core.Uploads;

/// <summary>
/// The upload life cycle seen from the API: a presigned form for the browser, a "complete" that checks
/// the object itself, links to download, and deletes that remove objects before items.
/// </summary>
public sealed class UploadService(
    IUploadStore uploads,
    ISessionStore sessions,
    IObjectStore objects,
    IAccessLog accessLog,
    IOptions<LimitsOptions> limits,
    TimeProvider clock)
{
    public async Task<CreateUploadOutcome> CreateAsync(string ownerId, string sessionId, string? fileName, string? contentType, long? size,
        CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (FileTypes.CheckFileName(fileName) is { } nameProblem)
        {
            errors["fileName"] = [nameProblem];
        }

        string? normalizedType = null;
        if (fileName is not null && errors.Count == 0 && !FileTypes.TryMatchContentType(fileName, contentType, out normalizedType))
        {
            errors["contentType"] = ["The content type does not match the file's type."];
        }

        var max = limits.Value.MaxUploadBytes;
        if (size is null or < 1 || size > max)
        {
            errors["size"] = [$"The file must hold between 1 byte and {max} bytes."];
        }

        if (errors.Count > 0)
        {
            return new CreateUploadOutcome.Invalid(errors);
        }

        // No read of the session first: the create transaction checks it is live, and its expiry follows from its id.
        var now = Attr.Millis(clock.GetUtcNow());
        var uploadId = EntityId.New().Value;
        var expires = DynamoSessionStore.ExpiryOf(sessionId, limits.Value.SessionLifetimeDays);
        var upload = new Upload(uploadId, sessionId, fileName!, normalizedType!, size!.Value, null, UploadStatus.Pending, null, now, now, expires);
        var formExpires = now.AddMinutes(limits.Value.UploadFormMinutes);
        var form = await objects.CreateUploadFormAsync(UploadKeys.Original(ownerId, sessionId, uploadId), normalizedType!, size.Value, formExpires);
        return await uploads.CreatePendingAsync(ownerId, upload, limits.Value.MaxUploadsPerSession, cancellationToken) switch
        {
            CreateUploadResult.Created => new CreateUploadOutcome.Created(new CreatedUpload(uploadId, form, formExpires)),
            CreateUploadResult.LimitReached => new CreateUploadOutcome.LimitReached(),
            _ => new CreateUploadOutcome.SessionNotFound(),
        };
    }

    /// <summary>
    /// Trusts nothing it did not check: the object must be at the issued key, no larger than declared and
    /// the limit, with the declared content type. Anything else deletes the object and rejects the upload.
    /// </summary>
    public async Task<UploadAccess<Upload>> CompleteAsync(string ownerId, string sessionId, string uploadId, CancellationToken cancellationToken)
    {
        // One request, one record: written by the settle transaction, or here for the outcomes that change nothing.
        Task RecordAsync(AccessOutcome outcome, string? reason = null) =>
            accessLog.WriteAsync(new AccessEvent("upload.complete", outcome, reason, sessionId, uploadId), cancellationToken);

        var upload = await uploads.PeekAsync(ownerId, sessionId, uploadId, cancellationToken);
        if (upload is null)
        {
            await RecordAsync(AccessOutcome.NotFound);
            return new UploadAccess<Upload>.NotFound();
        }

        // Settled already: answer what was decided then. Nothing written since is looked at, let alone accepted.
        if (upload.Status != UploadStatus.Pending)
        {
            await RecordAsync(AccessOutcome.Allowed, "already-" + upload.Status);
            return new UploadAccess<Upload>.Found(upload);
        }

        var key = UploadKeys.Original(ownerId, sessionId, uploadId);
        var stored = await objects.HeadAsync(key, cancellationToken);
        var formExpired = clock.GetUtcNow() > upload.CreatedAt.AddMinutes(limits.Value.UploadFormMinutes);
        if (stored is null && !formExpired)
        {
            await RecordAsync(AccessOutcome.Denied, "not-arrived");
            return new UploadAccess<Upload>.Conflict("The file has not arrived in storage yet.");
        }

        var reason = stored switch
        {
            null => "The file never arrived before the upload form expired.",
            { Size: < 1 } => "The file is empty.",
            _ when stored.Size > upload.DeclaredSize || stored.Size > limits.Value.MaxUploadBytes => "The file is larger than declared.",
            _ when !string.Equals(stored.ContentType, upload.ContentType, StringComparison.OrdinalIgnoreCase) => "The file's content type is not the declared one.",
            _ => null,
        };
        if (reason is not null && stored is not null)
        {
            await objects.DeleteAsync(key, cancellationToken);
        }

        var status = reason is null ? UploadStatus.Uploaded : UploadStatus.Rejected;
        if (await uploads.SettleAsync(ownerId, upload, status, stored, reason, "upload.complete", cancellationToken))
        {
            return new UploadAccess<Upload>.Found(upload with
            {
                Status = status,
                Size = stored?.Size,
                Reason = reason,
                UpdatedAt = Attr.Millis(clock.GetUtcNow()),
                VersionId = status == UploadStatus.Uploaded ? stored?.VersionId : null,
            });
        }

        // A concurrent complete settled it first (and wrote its record); this request reports what it finds.
        var settled = await uploads.PeekAsync(ownerId, sessionId, uploadId, cancellationToken);
        await RecordAsync(settled is null ? AccessOutcome.NotFound : AccessOutcome.Allowed, settled is null ? null : "already-" + settled.Status);
        return settled is null ? new UploadAccess<Upload>.NotFound() : new UploadAccess<Upload>.Found(settled);
    }

    public async Task<UploadAccess<Upload>> GetAsync(string ownerId, string sessionId, string uploadId, CancellationToken cancellationToken) =>
        await uploads.FindAsync(ownerId, sessionId, uploadId, "upload.read", cancellationToken) is { } upload
            ? new UploadAccess<Upload>.Found(upload)
            : new UploadAccess<Upload>.NotFound();

    public Task<UploadPage?> ListAsync(string ownerId, string sessionId, string? afterUploadId, int limit, CancellationToken cancellationToken) =>
        uploads.ListAsync(ownerId, sessionId, afterUploadId, limit, cancellationToken);

    public async Task<UploadAccess<byte[]>> ProfileAsync(string ownerId, string sessionId, string uploadId, CancellationToken cancellationToken)
    {
        var upload = await FindUnlessRefusedAsync(ownerId, sessionId, uploadId, "upload.profile", u => u.Status == UploadStatus.Ready, cancellationToken);
        if (upload is null)
        {
            return new UploadAccess<byte[]>.NotFound();
        }

        if (upload.Status != UploadStatus.Ready)
        {
            return new UploadAccess<byte[]>.Conflict($"The profile is not ready; the upload is {upload.Status}.");
        }

        var profile = await objects.GetBytesAsync(UploadKeys.Profile(ownerId, sessionId, uploadId), cancellationToken);
        return profile is null ? new UploadAccess<byte[]>.NotFound() : new UploadAccess<byte[]>.Found(profile);
    }

    /// <summary>Reads an upload and writes the one record of the request: not-found, denied (the state refuses it) or allowed.</summary>
    private async Task<Upload?> FindUnlessRefusedAsync(string ownerId, string sessionId, string uploadId, string action, Func<Upload, bool> serves,
        CancellationToken cancellationToken)
    {
        var upload = await uploads.PeekAsync(ownerId, sessionId, uploadId, cancellationToken);
        var (outcome, reason) = upload is null ? (AccessOutcome.NotFound, null)
            : serves(upload) ? (AccessOutcome.Allowed, (string?)null)
            : (AccessOutcome.Denied, "status-" + upload.Status);
        await accessLog.WriteAsync(new AccessEvent(action, outcome, reason, sessionId, uploadId), cancellationToken);
        return upload;
    }

    public async Task<UploadAccess<DownloadLink>> DownloadAsync(string ownerId, string sessionId, string uploadId, CancellationToken cancellationToken)
    {
        static bool HasFile(Upload u) => u.Status is UploadStatus.Ready or UploadStatus.Uploaded or UploadStatus.Processing;
        var upload = await FindUnlessRefusedAsync(ownerId, sessionId, uploadId, "upload.download", HasFile, cancellationToken);
        if (upload is null)
        {
            return new UploadAccess<DownloadLink>.NotFound();
        }

        if (!HasFile(upload) || upload.VersionId is not { } version)
        {
            return new UploadAccess<DownloadLink>.Conflict($"There is no file to download; the upload is {upload.Status}.");
        }

        var link = await objects.CreateDownloadLinkAsync(
            UploadKeys.Original(ownerId, sessionId, uploadId), version, upload.FileName, upload.ContentType,
            clock.GetUtcNow().AddMinutes(limits.Value.DownloadLinkMinutes));
        return new UploadAccess<DownloadLink>.Found(link);
    }

    public async Task<bool> DeleteAsync(string ownerId, string sessionId, string uploadId, CancellationToken cancellationToken)
    {
        if (await uploads.MarkDeletingAsync(ownerId, sessionId, uploadId, cancellationToken) is not { } upload)
        {
            return false;
        }

        await objects.DeletePrefixAsync(UploadKeys.UploadPrefix(ownerId, sessionId, uploadId), cancellationToken);
        await uploads.RemoveAsync(ownerId, upload, cancellationToken);
        return true;
    }

    /// <summary>Session, then every object under its prefix, then every upload item; a retry finishes an interrupted delete.</summary>
    public async Task<bool> DeleteSessionAsync(string ownerId, string sessionId, CancellationToken cancellationToken)
    {
        if (!await sessions.BeginDeleteAsync(ownerId, sessionId, cancellationToken))
        {
            return false;
        }

        await objects.DeletePrefixAsync(UploadKeys.SessionPrefix(ownerId, sessionId), cancellationToken);
        await uploads.RemoveAllAsync(ownerId, sessionId, cancellationToken);
        await sessions.FinishDeleteAsync(ownerId, sessionId, cancellationToken);
        return true;
    }
}
