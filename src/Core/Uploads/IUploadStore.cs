namespace Enclave.Core.Uploads;

public enum CreateUploadResult
{
    Created,
    SessionNotFound,
    LimitReached,
}

/// <summary>
/// Upload items, always addressed by (owner, session, upload). Like sessions, every call writes its
/// access record; mutations write it in the same transaction.
/// </summary>
public interface IUploadStore
{
    Task<CreateUploadResult> CreatePendingAsync(string ownerId, Upload upload, int maxPerSession, CancellationToken cancellationToken);

    Task<Upload?> FindAsync(string ownerId, string sessionId, string uploadId, string action, CancellationToken cancellationToken);

    /// <summary>Reads without a record: for callers that decide the outcome first and then write its one record.</summary>
    Task<Upload?> PeekAsync(string ownerId, string sessionId, string uploadId, CancellationToken cancellationToken);

    Task<UploadPage?> ListAsync(string ownerId, string sessionId, string? afterUploadId, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Moves a pending upload on (to uploaded or rejected), pinning the checked object version when it was accepted;
    /// false when it was not pending any more.
    /// </summary>
    Task<bool> SettleAsync(string ownerId, Upload upload, string status, StoredObject? stored, string? reason, string action, CancellationToken cancellationToken);

    /// <summary>
    /// Takes an uploaded (or interrupted) upload for processing and counts the attempt; null when there is
    /// nothing to do (already settled, deleted) — which makes redelivered events harmless.
    /// </summary>
    Task<(Upload Upload, int Attempts)?> ClaimForProcessingAsync(string ownerId, string sessionId, string uploadId, CancellationToken cancellationToken);

    /// <summary>Ends processing as ready or rejected, with its record; false if the upload moved on meanwhile.</summary>
    Task<bool> FinishProcessingAsync(string ownerId, Upload upload, string status, string? reason, CancellationToken cancellationToken);

    /// <summary>A pending upload whose window passed becomes expired, with its record; false if it moved on meanwhile.</summary>
    Task<bool> ExpireAsync(string ownerId, Upload upload, CancellationToken cancellationToken);

    /// <summary>Takes the entry off the sweeper's list (a tombstone goes entirely), with its record.</summary>
    Task FinishSweepAsync(SweepEntry entry, CancellationToken cancellationToken);

    /// <summary>First step of a delete: the upload disappears from reads at once.</summary>
    Task<Upload?> MarkDeletingAsync(string ownerId, string sessionId, string uploadId, CancellationToken cancellationToken);

    /// <summary>Deletes the item; if its form could still write, a tombstone stays on the sweeper's list until it cannot.</summary>
    Task RemoveAsync(string ownerId, Upload upload, CancellationToken cancellationToken);

    /// <summary>The session's multipart uploads that storage may still hold open (pending or being deleted), for aborting them.</summary>
    Task<IReadOnlyList<Upload>> ListOpenMultipartAsync(string ownerId, string sessionId, CancellationToken cancellationToken);

    /// <summary>Deletes every upload item of a session, a page at a time, for removing the session; tombstones as <see cref="RemoveAsync"/>.</summary>
    Task RemoveAllAsync(string ownerId, string sessionId, CancellationToken cancellationToken);
}
