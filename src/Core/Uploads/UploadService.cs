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
        bool? multipart, CancellationToken cancellationToken)
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

        var parted = multipart == true || size > limits.Value.MultipartThresholdBytes;
        var max = parted ? limits.Value.MaxMultipartUploadBytes : limits.Value.MaxUploadBytes;
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
        var key = UploadKeys.Original(ownerId, sessionId, uploadId);
        if (parted)
        {
            return await CreateMultipartAsync(ownerId, upload, key, cancellationToken);
        }

        var formExpires = now.AddMinutes(limits.Value.UploadFormMinutes);
        var form = await objects.CreateUploadFormAsync(key, normalizedType!, size.Value, formExpires);
        return await uploads.CreatePendingAsync(ownerId, upload, limits.Value.MaxUploadsPerSession, cancellationToken) switch
        {
            CreateUploadResult.Created => new CreateUploadOutcome.Created(new CreatedUpload(uploadId, form, null, formExpires)),
            CreateUploadResult.LimitReached => new CreateUploadOutcome.LimitReached(),
            _ => new CreateUploadOutcome.SessionNotFound(),
        };
    }

    /// <summary>
    /// Storage's multipart upload comes first (the item holds its id). If the item cannot be written, the upload is
    /// aborted; should that fail too, the sweeper aborts it as an orphan.
    /// </summary>
    private async Task<CreateUploadOutcome> CreateMultipartAsync(string ownerId, Upload upload, string key, CancellationToken cancellationToken)
    {
        var s3UploadId = await objects.StartMultipartAsync(key, upload.ContentType, cancellationToken);
        var plan = MultipartPlan.For(upload.DeclaredSize, limits.Value.MinPartBytes) with { S3UploadId = s3UploadId };
        upload = upload with { Multipart = plan };
        var result = await uploads.CreatePendingAsync(ownerId, upload, limits.Value.MaxUploadsPerSession, cancellationToken);
        if (result != CreateUploadResult.Created)
        {
            await objects.AbortMultipartAsync(key, s3UploadId, cancellationToken);
        }

        return result switch
        {
            CreateUploadResult.Created => new CreateUploadOutcome.Created(new CreatedUpload(upload.UploadId, null, plan, MultipartClosesAt(upload))),
            CreateUploadResult.LimitReached => new CreateUploadOutcome.LimitReached(),
            _ => new CreateUploadOutcome.SessionNotFound(),
        };
    }

    private DateTimeOffset MultipartClosesAt(Upload upload) => upload.CreatedAt.AddHours(limits.Value.MultipartWindowHours);

    /// <summary>Presigned part URLs for a pending multipart upload, each for this upload's key and storage upload id only.</summary>
    public async Task<UploadAccess<PartUrls>> SignPartsAsync(string ownerId, string sessionId, string uploadId, IReadOnlyList<int>? partNumbers,
        CancellationToken cancellationToken)
    {
        const string Action = "upload.parts.sign";
        var upload = await uploads.PeekAsync(ownerId, sessionId, uploadId, cancellationToken);
        var refusal = RefuseUnlessOpenMultipart(upload);
        var invalid = upload is null || refusal is not null ? null : CheckPartNumbers(partNumbers, upload.Multipart!.PartCount);
        var reason = refusal ?? (invalid is null ? null : "invalid-input");
        await accessLog.WriteAsync(new AccessEvent(Action, Outcome(upload, reason), reason, sessionId, uploadId), cancellationToken);
        if (upload is null)
        {
            return new UploadAccess<PartUrls>.NotFound();
        }

        if (refusal is not null)
        {
            return new UploadAccess<PartUrls>.Conflict(ConflictMessage(upload));
        }

        if (invalid is not null)
        {
            return new UploadAccess<PartUrls>.Invalid("partNumbers", invalid);
        }

        var open = upload.Multipart!;
        // Whole seconds: the signer counts the lifetime from its second-precision signing time, rounding up.
        var now = clock.GetUtcNow();
        var expires = Min(now.AddTicks(-(now.Ticks % TimeSpan.TicksPerSecond)).AddMinutes(limits.Value.PartUrlMinutes), MultipartClosesAt(upload));
        var key = UploadKeys.Original(ownerId, sessionId, uploadId);
        var urls = new List<PartUrl>(partNumbers!.Count);
        foreach (var number in partNumbers)
        {
            urls.Add(new PartUrl(number, await objects.CreatePartUrlAsync(key, open.S3UploadId, number, open.ExpectedSize(number, upload.DeclaredSize), expires), expires));
        }

        return new UploadAccess<PartUrls>.Found(new PartUrls(urls));
    }

    /// <summary>The parts storage already holds, so a client resumes by sending only the others.</summary>
    public async Task<UploadAccess<StoredParts>> ListPartsAsync(string ownerId, string sessionId, string uploadId, CancellationToken cancellationToken)
    {
        var upload = await uploads.PeekAsync(ownerId, sessionId, uploadId, cancellationToken);
        var refusal = RefuseUnlessOpenMultipart(upload);
        await accessLog.WriteAsync(new AccessEvent("upload.parts.list", Outcome(upload, refusal), refusal, sessionId, uploadId), cancellationToken);
        if (upload is null)
        {
            return new UploadAccess<StoredParts>.NotFound();
        }

        if (refusal is not null)
        {
            return new UploadAccess<StoredParts>.Conflict(ConflictMessage(upload));
        }

        var plan = upload.Multipart!;
        var parts = await objects.ListPartsAsync(UploadKeys.Original(ownerId, sessionId, uploadId), plan.S3UploadId, cancellationToken);
        return new UploadAccess<StoredParts>.Found(new StoredParts(plan.PartSize, plan.PartCount, parts ?? []));
    }

    /// <summary>Parts per request for URLs: bounds one request's signing work and response size.</summary>
    public const int MaxPartsPerCall = 100;

    private static string? CheckPartNumbers(IReadOnlyList<int>? partNumbers, int partCount) => partNumbers switch
    {
        null or { Count: 0 } or { Count: > MaxPartsPerCall } => $"Ask for 1 to {MaxPartsPerCall} part numbers at a time.",
        _ when partNumbers.Any(n => n < 1 || n > partCount) => $"Part numbers run from 1 to {partCount} for this upload.",
        _ when partNumbers.Distinct().Count() != partNumbers.Count => "Each part number may be asked for once per request.",
        _ => null,
    };

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private static AccessOutcome Outcome(Upload? upload, string? refusal) =>
        upload is null ? AccessOutcome.NotFound : refusal is null ? AccessOutcome.Allowed : AccessOutcome.Denied;

    private string? RefuseUnlessOpenMultipart(Upload? upload) => upload switch
    {
        null => null,
        { Multipart: null } => "not-multipart",
        { Status: not UploadStatus.Pending } => "status-" + upload.Status,
        _ when clock.GetUtcNow() >= MultipartClosesAt(upload) => "window-closed",
        _ => null,
    };

    private static string ConflictMessage(Upload upload) => upload.Multipart is null
        ? "This upload is not a multipart upload."
        : $"The upload is {upload.Status}; parts can only be sent while it is pending and its window is open.";

    /// <summary>
    /// Trusts nothing it did not check: the object must be at the issued key, no larger than declared and
    /// the limit, with the declared content type. Anything else deletes the object and rejects the upload.
    /// </summary>
    public async Task<UploadAccess<Upload>> CompleteAsync(string ownerId, string sessionId, string uploadId, CancellationToken cancellationToken)
    {
        // One request, one record: written by the settle transaction, or here for the outcomes that change nothing.
        Task RecordAsync(AccessOutcome outcome, string? reason) =>
            accessLog.WriteAsync(new AccessEvent("upload.complete", outcome, reason, sessionId, uploadId), cancellationToken);

        var upload = await uploads.PeekAsync(ownerId, sessionId, uploadId, cancellationToken);
        if (upload is null)
        {
            await RecordAsync(AccessOutcome.NotFound, null);
            return new UploadAccess<Upload>.NotFound();
        }

        // Settled already: answer what was decided then. Nothing written since is looked at, let alone accepted.
        if (upload.Status != UploadStatus.Pending)
        {
            await RecordAsync(AccessOutcome.Allowed, "already-" + upload.Status);
            return new UploadAccess<Upload>.Found(upload);
        }

        var key = UploadKeys.Original(ownerId, sessionId, uploadId);
        if (upload.Multipart is { } plan)
        {
            return await CompleteMultipartAsync(ownerId, upload, plan, key, RecordAsync, cancellationToken);
        }

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

        return await SettleAsync(ownerId, upload, stored, reason, RecordAsync, cancellationToken);
    }

    /// <summary>
    /// Lists the parts itself: 1..partCount must all be there, each of its planned size, or nothing changes (409 naming
    /// them) while the window is open. Once closed, an incomplete upload is aborted and rejected.
    /// </summary>
    private async Task<UploadAccess<Upload>> CompleteMultipartAsync(string ownerId, Upload upload, MultipartPlan plan, string key,
        Func<AccessOutcome, string?, Task> recordAsync, CancellationToken cancellationToken)
    {
        var parts = await objects.ListPartsAsync(key, plan.S3UploadId, cancellationToken) ?? [];
        var byNumber = parts.ToDictionary(p => p.PartNumber);
        var missing = Enumerable.Range(1, plan.PartCount).Where(n => !byNumber.ContainsKey(n)).ToList();
        var misfit = Enumerable.Range(1, plan.PartCount)
            .Where(n => byNumber.TryGetValue(n, out var p) && p.Size != plan.ExpectedSize(n, upload.DeclaredSize)).ToList();
        var problem = (missing.Count, misfit.Count) switch
        {
            (0, 0) => null,
            _ => string.Join(' ', new[]
            {
                missing.Count > 0 ? $"Missing parts: {PartList(missing)}." : null,
                misfit.Count > 0 ? $"Parts of the wrong size: {PartList(misfit)} (each part is {plan.PartSize} bytes, the last holds the rest)." : null,
            }.OfType<string>()),
        };
        if (problem is not null && clock.GetUtcNow() < MultipartClosesAt(upload))
        {
            await recordAsync(AccessOutcome.Denied, missing.Count > 0 ? "parts-missing" : "parts-wrong-size");
            return new UploadAccess<Upload>.Conflict(problem);
        }

        if (problem is not null)
        {
            await objects.AbortMultipartAsync(key, plan.S3UploadId, cancellationToken);
            return await SettleAsync(ownerId, upload, null, "The upload window closed before every part arrived.", recordAsync, cancellationToken);
        }

        var stored = await objects.CompleteMultipartAsync(key, plan.S3UploadId, [.. parts.OrderBy(p => p.PartNumber)], cancellationToken);
        var reason = !string.Equals(stored.ContentType, upload.ContentType, StringComparison.OrdinalIgnoreCase)
            ? "The file's content type is not the declared one."
            : stored.Size != upload.DeclaredSize ? "The file is not the declared size." : null;
        if (reason is not null)
        {
            await objects.DeleteAsync(key, cancellationToken);
        }

        return await SettleAsync(ownerId, upload, stored, reason, recordAsync, cancellationToken);
    }

    private static string PartList(List<int> numbers) =>
        string.Join(", ", numbers.Take(20)) + (numbers.Count > 20 ? $" and {numbers.Count - 20} more" : "");

    private async Task<UploadAccess<Upload>> SettleAsync(string ownerId, Upload upload, StoredObject? stored, string? reason,
        Func<AccessOutcome, string?, Task> recordAsync, CancellationToken cancellationToken)
    {
        var (sessionId, uploadId) = (upload.SessionId, upload.UploadId);
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
        await recordAsync(settled is null ? AccessOutcome.NotFound : AccessOutcome.Allowed, settled is null ? null : "already-" + settled.Status);
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

        if (upload.Multipart is { } plan)
        {
            await objects.AbortMultipartAsync(UploadKeys.Original(ownerId, sessionId, uploadId), plan.S3UploadId, cancellationToken);
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

        await EraseSessionAsync(ownerId, sessionId, cancellationToken);
        return true;
    }

    /// <summary>Every object, upload item and finally the session item, whatever state the session is in; each step may be repeated.</summary>
    public async Task EraseSessionAsync(string ownerId, string sessionId, CancellationToken cancellationToken)
    {
        foreach (var open in await uploads.ListOpenMultipartAsync(ownerId, sessionId, cancellationToken))
        {
            await objects.AbortMultipartAsync(UploadKeys.Original(ownerId, sessionId, open.UploadId), open.Multipart!.S3UploadId, cancellationToken);
        }

        await objects.DeletePrefixAsync(UploadKeys.SessionPrefix(ownerId, sessionId), cancellationToken);
        await uploads.RemoveAllAsync(ownerId, sessionId, cancellationToken);
        await sessions.FinishDeleteAsync(ownerId, sessionId, cancellationToken);
    }

    /// <summary>
    /// Erases all of one owner's files: each session through the same path as deleting it (expired ones too),
    /// then every object version left anywhere under the owner's prefix.
    /// </summary>
    public async Task EraseOwnerAsync(string ownerId, CancellationToken cancellationToken)
    {
        foreach (var sessionId in await sessions.ListAllIdsAsync(ownerId, cancellationToken))
        {
            if (!await DeleteSessionAsync(ownerId, sessionId, cancellationToken))
            {
                await EraseSessionAsync(ownerId, sessionId, cancellationToken);
            }
        }

        await objects.DeletePrefixAsync(UploadKeys.UserPrefix(ownerId), cancellationToken);
        await sessions.ForgetOwnerAsync(ownerId, cancellationToken);
    }
}
